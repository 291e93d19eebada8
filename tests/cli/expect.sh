# Shared by the CLI test scripts: `expect <exit code> <text> -- command...` runs the command and
# counts a failure unless it exits with <exit code> and its stdout+stderr contain <text> ("" to
# skip). The script ends with `finish`.
passed=0
failed=0

expect() {
  local code=$1 text=$2
  shift 3
  local out
  out=$("$@" 2>&1)
  local rc=$?
  if [ "$rc" -ne "$code" ] || { [ -n "$text" ] && [[ "$out" != *"$text"* ]]; }; then
    echo "FAIL: $* -> exit $rc (want $code), output:"
    echo "$out" | head -20
    [ -n "$text" ] && echo "  (wanted to see: $text)"
    failed=$((failed + 1))
  else
    passed=$((passed + 1))
  fi
}

finish() {
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ]
}
