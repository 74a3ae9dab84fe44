set -eu
vllm bench serve "$@"
echo "glm-serving: result saved to $RESULT_DIR/$RESULT_FILE"
cat "$RESULT_DIR/$RESULT_FILE"
