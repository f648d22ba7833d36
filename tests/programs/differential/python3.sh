# python3: threads, multiprocessing.Pool, subprocess, json, hashlib, sqlite3.
python3 - <<'PY'
import hashlib, json, multiprocessing, sqlite3, subprocess, threading, os

def square(x):
    return x * x

if __name__ == "__main__":
    results = [0] * 8
    def work(i):
        results[i] = sum(range(i * 10000))
    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads: t.start()
    for t in threads: t.join()
    print("threads", results)

    with multiprocessing.Pool(3) as pool:
        print("pool", pool.map(square, range(12)))

    out = subprocess.run(["sh", "-c", "echo from child; exit 4"], capture_output=True, text=True)
    print("subprocess", repr(out.stdout), out.returncode)
    p = subprocess.Popen(["cat"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    print("pipe", p.communicate(b"round trip")[0])

    doc = {"name": "veil", "list": [1, 2.5, None, True], "nested": {"k": "v"}}
    text = json.dumps(doc, sort_keys=True)
    print("json", text, json.loads(text) == doc)

    print("sha256", hashlib.sha256(b"veil" * 1000).hexdigest())
    print("md5", hashlib.md5(b"sandbox").hexdigest())

    db = sqlite3.connect("test.db")
    db.execute("create table t (id integer primary key, name text)")
    db.executemany("insert into t (name) values (?)", [(n,) for n in "abcde"])
    db.commit()
    print("sqlite", db.execute("select count(*), group_concat(name) from t").fetchone())
    db.close()
    print("db exists", os.path.getsize("test.db") > 0)
PY
echo "python3 exited $?"
