# coreutils and findutils: ls, sort, head, wc, tr, sha256sum, find, xargs.
mkdir -p tree/a/b tree/c
for i in $(seq 1 30); do echo "line $i of file $i" > "tree/a/f$i.txt"; done
printf 'zeta\nalpha\nmu\nalpha\n' > tree/c/words
ln -s ../c/words tree/a/b/link
ls tree/a | head -5
ls -1 tree | wc -l
sort tree/c/words | uniq -c
sort -r -u tree/c/words
head -c 20 tree/a/f3.txt; echo
cat tree/a/*.txt | wc -l -w -c
echo "Hello, Sandbox" | tr 'a-z' 'n-za-m'
sha256sum tree/a/f1.txt tree/c/words
find tree -name '*.txt' | sort | head -3
find tree -type l
find tree -type f | sort | xargs cat | sha256sum
find tree -name 'f1*.txt' -print0 | sort -z | xargs -0 -n 2 echo pair:
seq 1 1000 | paste -sd+ | bc
cut -d' ' -f2 tree/a/f7.txt
stat -c '%s %F' tree/c/words tree/a/b/link
readlink tree/a/b/link; cat tree/a/b/link | tail -1
cp -r tree copy && diff -r tree copy && echo "copies agree"
mv copy/c/words copy/c/renamed && ls copy/c
rm -r copy; ls
wc -c tree/c/words
printf '%s\n' b a c | sort | comm - <(printf '%s\n' a c d)
nproc; cat /sys/devices/system/cpu/online
