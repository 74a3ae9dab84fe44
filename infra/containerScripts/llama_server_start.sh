set -eu
repo_dir="$HF_HOME/hub/models--$(echo "$MODEL_REPO" | sed 's#/#--#g')"
if [ "${#MODEL_REVISION}" -eq 40 ] && [ -z "$(echo "$MODEL_REVISION" | tr -d 0-9a-f)" ]; then
  commit="$MODEL_REVISION"
else
  commit=$(cat "$repo_dir/refs/$MODEL_REVISION")
fi
model="$repo_dir/snapshots/$commit/$GGUF_FILE"
echo "glm-serving: llama-server on $model"
exec /app/llama-server --model "$model" "$@"
