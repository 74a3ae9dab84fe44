set -eu
exec python3 "$SCRIPTS/weight_cache.py" "$@"
