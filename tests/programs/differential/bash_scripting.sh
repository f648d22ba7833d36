# bash: arrays, associative arrays, command substitution, traps, subshells, job control.
declare -a fruits=(apple banana cherry)
fruits+=(date)
echo "count=${#fruits[@]} second=${fruits[1]} last=${fruits[-1]}"
declare -A color=([sky]=blue [grass]=green)
for k in $(printf '%s\n' "${!color[@]}" | sort); do echo "$k is ${color[$k]}"; done
n=$(ls / | wc -l); [ "$n" -gt 3 ] && echo "root has entries"
upper=$(echo "mixed Case" | tr '[:lower:]' '[:upper:]'); echo "$upper"
trap 'echo "caught TERM"' TERM
kill -TERM $$
trap 'echo "exit trap"' EXIT
( trap 'echo "subshell exit"' EXIT; echo "in subshell $BASH_SUBSHELL" )
sleep 5 & pid=$!
kill -STOP $pid; kill -CONT $pid; kill $pid
wait $pid; echo "sleep ended with $?"
read -r a b <<< "first second"; echo "$b $a"
mapfile -t lines < <(seq 3); echo "lines: ${lines[*]}"
s="hello world"; echo "${s^^} ${s/world/there} ${#s} ${s:6}"
echo $(( (7 ** 3) % 100 )) $(( 1 << 10 ))
fib() { local n=$1; (( n < 2 )) && { echo "$n"; return; }; echo $(( $(fib $((n-1))) + $(fib $((n-2))) )); }
echo "fib 12 = $(fib 12)"
set -o pipefail; false | true; echo "pipefail status $?"
