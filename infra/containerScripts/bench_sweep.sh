set -eu
i=1
for c in $CONCURRENCIES; do
  n=$(echo "$PROMPTS" | cut -d " " -f "$i")
  f="$RESULT_PREFIX-c$c.json"
  vllm bench serve "$@" --num-prompts "$n" --max-concurrency "$c" --result-filename "$f"
  echo "glm-serving: result saved to $RESULT_DIR/$f"
  cat "$RESULT_DIR/$f"
  echo
  i=$((i + 1))
done
