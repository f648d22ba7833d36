# busybox sh: loops, pipelines, functions, background jobs and wait statuses.
busybox sh -c '
i=0; total=0
while [ $i -lt 50 ]; do total=$((total + i * i)); i=$((i + 1)); done
echo "sum of squares: $total"
for w in alpha beta gamma; do echo "$w"; done | busybox sort -r | busybox tr a-z A-Z
busybox seq 1 200 | busybox grep 7 | busybox wc -l
f() { echo "f got $# args: $*"; return 3; }
f x y z; echo "f returned $?"
(sleep 0.2; exit 7) & slow=$!
(exit 5) & fast=$!
wait $fast; echo "fast exited $?"
wait $slow; echo "slow exited $?"
for n in 1 2 3 4; do (echo "job $n" > job.$n) & done; wait
busybox cat job.1 job.2 job.3 job.4
case "hello.tar.gz" in *.tar.gz) echo "is a tarball";; *) echo "not";; esac
echo "$(echo nested $(echo substitution))"
busybox printf "%05d|%-6s|%x\n" 42 ab 255
set -- one two three; shift; echo "after shift: $@"
trap "echo trapped USR1" USR1; kill -USR1 $$; echo "after trap"
'
echo "busybox sh exited $?"
