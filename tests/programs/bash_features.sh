#!/bin/bash
# bash_features: a tour of bash features that lean on the kernel underneath
# (fork, execve, pipes, wait4 statuses, signals and job control, here-documents
# through temporary files or pipes), with deterministic output: no pids, times,
# host names or environment. The output must be the same natively and under veil:
#   bash tests/programs/bash_features.sh
#   veil do -- /bin/bash tests/programs/bash_features.sh
# Ends with "bash features ok" and exits 0 (the EXIT trap prints the last line).

export LC_ALL=C

section() { printf '== %s\n' "$1"; }

trap 'echo "exit trap ran"' EXIT

section 'indexed arrays'
fruits=(apple banana cherry date elderberry)
echo "count ${#fruits[@]}"
echo "second ${fruits[1]}"
echo "last ${fruits[-1]}"
echo "slice ${fruits[*]:1:3}"
fruits+=(fig)
echo "appended ${#fruits[@]} ${fruits[5]}"
unset 'fruits[0]'
echo "after unset ${#fruits[@]} indices ${!fruits[*]}"
for f in "${fruits[@]}"; do
    printf '[%s]' "$f"
done
echo
words=("two words" "three more words")
echo "quoted elements ${#words[@]} ${#words[1]}"

section 'associative arrays'
declare -A color=([apple]=red [banana]=yellow [cherry]=dark\ red)
color[date]=brown
echo "count ${#color[@]}"
echo "cherry is ${color[cherry]}"
for k in $(printf '%s\n' "${!color[@]}" | sort); do
    echo "$k=${color[$k]}"
done
if [[ -v color[apple] ]]; then echo 'apple is set'; fi
if [[ ! -v color[kiwi] ]]; then echo 'kiwi is not set'; fi

section 'command substitution'
inner=$(echo "outer $(echo "middle $(echo inner)")")
echo "$inner"
back=`echo backticks \`echo nested\``
echo "$back"
lines=$(printf 'a\nb\nc\n\n\n')
echo "trailing newlines stripped: ${#lines}"
echo "status of a substitution: [$(exit 7; echo no)] $?"
x=$(false)
echo "assignment keeps the status: $?"

section 'pipes'
printf '%s\n' pear apple pear fig apple pear | sort | uniq -c | sed 's/^ *//'
printf '%s\n' one two three four | sort -r | wc -l
echo "words: $(echo the quick brown fox | tr ' ' '\n' | sort | head -2 | tr '\n' ' ')"
true | false | true
echo "without pipefail: $? (${PIPESTATUS[*]})"
set -o pipefail
true | false | true
echo "with pipefail: $? (${PIPESTATUS[*]})"
(exit 3) | (exit 5) | true
echo "rightmost failure: $?"
set +o pipefail
seq 1 100000 | tail -n 1
yes | head -n 3 | tr -d '\n'
echo
echo "big pipe: $(head -c 1000000 /dev/zero | tr '\0' 'z' | wc -c)"

section 'traps and signals'
trap 'echo got USR1' USR1
kill -USR1 $$
echo 'after USR1'
trap 'echo got USR2' USR2
# (bash reports the death on stderr: "User defined signal 2", silenced here.)
{ (kill -USR2 $BASHPID; echo 'not reached: a subshell resets caught signals'); } 2>/dev/null
echo "subshell killed by USR2: $?"
trap - USR1 USR2
(trap 'echo subshell exit trap' EXIT; exit 4)
echo "subshell with exit trap: $?"
sh_status=$(bash -c 'kill -TERM $$'; echo $?)
echo "child killed by TERM: $sh_status"

section 'subshells'
(exit 9)
echo "subshell exit $?"
here=$PWD
(cd /usr; echo "cd in a subshell: $PWD")
[ "$PWD" = "$here" ] && echo 'the parent stays where it was'
count=1
(count=2)
echo "subshell variable stays: $count"
{ count=3; }
echo "group variable changes: $count"
( ( (exit 12) ) )
echo "nested subshells: $?"

section 'background jobs'
( exit 3 ) &
wait $!
echo "wait status $?"
(sleep 0.1; exit 4) &
p1=$!
(exit 5) &
p2=$!
wait $p2
echo "second job $?"
wait $p1
echo "first job $?"
for n in 1 2 3; do (exit $n) & done
wait
echo "wait for all: $?"
sleep 1 &
s=$!
kill -STOP $s
kill -CONT $s
wait $s
echo "stopped and continued sleep: $?"
# In a bash without an EXIT trap: a TERM that lands between fork and exec must
# not run this script's trap in the child.
bash -c 'sleep 10 & s=$!; kill -TERM $s; wait $s; echo "terminated sleep: $?"'

section 'here documents'
name=world
cat <<EOF
hello $name
sum $((2 + 3))
  indented stays
EOF
cat <<'EOF'
no $expansion here `either`
EOF
cat <<-EOF
	tabs stripped
	EOF
tr a-z A-Z <<< "here string"
read -r first rest <<< "alpha beta gamma"
echo "read from a here string: $first / $rest"

section 'read in a loop'
total=0
printf '%s\n' '3 apples' '4 pears' '5 plums' | while read -r n fruit; do
    echo "line: $n $fruit"
    total=$((total + n))
done
echo "pipe loop runs in a subshell: $total"
while IFS=: read -r user rest; do
    total=$((total + ${#user}))
done <<EOF
root:x:0
daemon:x:1
EOF
echo "redirected loop keeps the total: $total"
while read -r line; do
    echo "from process substitution: $line"
done < <(printf 'p\nq\n')
mapfile -t arr < <(seq 3 5)
echo "mapfile ${#arr[@]}: ${arr[*]}"
echo 'through /dev/stdin' | cat /dev/stdin

section 'arithmetic'
echo $(( 7 * 6 )) $(( 17 / 5 )) $(( 17 % 5 )) $(( -17 / 5 )) $(( 2 ** 10 ))
echo $(( 1 << 40 )) $(( 0xff )) $(( 8#17 )) $(( 2#1011 ))
echo $(( 9223372036854775807 + 1 ))
i=5
(( i += 3, i *= 2 ))
echo "i=$i post=$(( i++ )) now=$i pre=$(( ++i ))"
echo "ternary $(( i > 10 ? 1 : 0 )) logic $(( (3 > 2) && (2 > 3) ))"
let 'j = i / 3'
echo "let j=$j"
(( 0 ))
echo "(( 0 )) status $?"

section 'strings'
x=banana.tar.gz
echo "${x//a/b}"
echo "${x/a/b}"
echo "${x%.*}"
echo "${x%%.*}"
echo "${x#*.}"
echo "${x##*.}"
echo "${#x}"
echo "${x:2:4}"
echo "${x: -2}"
echo "${x^^}"
y=HELLO
echo "${y,,} ${y,}"
unset unset_var
echo "${unset_var:-default} ${unset_var-dash}"
: "${assigned:=now set}"
echo "$assigned"
echo "${x:+alternative}"
path=/usr/local/bin/tool
echo "dirname ${path%/*} basename ${path##*/}"
[[ $x == ban*.gz ]] && echo 'glob match'
[[ $x =~ ^([a-z]+)\.(tar)\. ]] && echo "regex ${BASH_REMATCH[1]} ${BASH_REMATCH[2]}"

section 'printf'
printf '%5d|%-5d|%05d\n' 42 42 42
printf '%x %X %o %#x\n' 255 255 8 255
printf '%.3f %e\n' 3.14159 12345.678
printf '%s and %s\n' one two three four
printf '%-8s|%8s|\n' left right
printf '%q\n' "it's a 'test'"
printf '%b\n' 'tab\there'
printf -v formatted '%03d-%s' 7 seven
echo "printf -v: $formatted"
printf '%c%c%c\n' x y z

section 'functions'
counter=0
bump() {
    local counter=100
    counter=$((counter + 1))
    echo "local counter $counter"
}
bump
echo "global counter $counter"
factorial() {
    local n=$1
    if (( n <= 1 )); then
        echo 1
    else
        local sub
        sub=$(factorial $((n - 1)))
        echo $(( n * sub ))
    fi
}
echo "factorial 10 = $(factorial 10)"
fib() {
    local n=$1
    if (( n < 2 )); then
        result=$n
        return
    fi
    fib $((n - 1))
    local a=$result
    fib $((n - 2))
    result=$((a + result))
}
fib 15
echo "fib 15 = $result"
status_of() { return "$1"; }
status_of 42
echo "return status $?"
args() { echo "$# args: $*"; shift; echo "after shift: $1"; }
args a 'b c' d

section 'external commands'
echo "exit status of false: $(false; echo $?)"
/bin/sh -c 'exit 17'
echo "sh exit $?"
missing_command_xyz 2>/dev/null
echo "missing command $?"
# A top-level `bash -c` (SHLVL unset) sources ~/.bashrc only when its stdin is a
# network connection (bash's isnetconn: getpeername on fd 0); here it is /dev/null.
home=$(mktemp -d)
echo 'echo "~/.bashrc was sourced"' > "$home/.bashrc"
env -i HOME="$home" /bin/bash -c 'echo "clean env: SHLVL=$SHLVL ${USER-no USER}"' </dev/null
rm -r "$home"
out=$(exec echo replaced by exec)
echo "$out"
echo 'from bash -c' | bash -c 'read -r l; echo "child read: $l"'

echo 'bash features ok'
