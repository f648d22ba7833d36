# Text tools: awk, sed, grep, diff, cmp.
seq 1 20 | awk '{ s += $1; if ($1 % 5 == 0) print "at", $1, "sum", s } END { print "total", s }'
printf 'name,age\nann,31\nbob,27\ncid,45\n' > people.csv
awk -F, 'NR > 1 && $2 > 30 { print $1 }' people.csv
sed -n '2,3p' people.csv | sed 's/,/ is /; s/$/ years/'
sed -i 's/bob/rob/' people.csv && cat people.csv
grep -c , people.csv; grep -n '^c' people.csv; grep -v age people.csv | grep -E 'a|o' | wc -l
printf 'a\nb\nc\n' > x; printf 'a\nB\nc\nd\n' > y
diff x y; echo "diff exited $?"
cmp x y; echo "cmp exited $?"
