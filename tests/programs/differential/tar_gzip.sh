# tar piped through gzip, and back; xz as a second compressor.
mkdir -p src/sub
for i in $(seq 1 50); do seq $i 3 $((i * 40)) > "src/sub/n$i"; done
echo "top" > src/top.txt
tar cf - --sort=name --mtime=2026-01-01 --owner=0 --group=0 src | gzip -n -6 > src.tar.gz
gzip -t src.tar.gz && echo "gzip ok"
gunzip -c src.tar.gz | tar tf - | head -5
mkdir out && gunzip -c src.tar.gz | tar xf - -C out
diff -r src out/src && echo "extracted tree matches"
gunzip -c src.tar.gz | sha256sum
tar cJf src.tar.xz --sort=name --mtime=2026-01-01 --owner=0 --group=0 src && xz -t src.tar.xz && echo "xz ok"
xz -dc src.tar.xz | tar tvf - --numeric-owner | awk '{print $1, $3, $6}' | tail -3
