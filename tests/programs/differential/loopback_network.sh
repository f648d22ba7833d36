# Loopback networking: python3's http.server answering urllib, an asyncio TCP echo
# server, UDP between two sockets, a threaded socketserver with many clients;
# busybox httpd served to busybox wget and curl, and busybox nc both ways.
python3 - <<'PY'
import asyncio, http.server, socket, socketserver, threading, urllib.request, os

os.makedirs("www", exist_ok=True)
with open("www/index.html", "w") as f:
    f.write("hello over loopback\n")

class Quiet(http.server.SimpleHTTPRequestHandler):
    def __init__(self, *a, **k):
        super().__init__(*a, directory="www", **k)
    def log_message(self, *a):
        pass

srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
port = srv.server_address[1]
threading.Thread(target=srv.serve_forever, daemon=True).start()
r = urllib.request.urlopen(f"http://127.0.0.1:{port}/index.html")
print("http", r.status, r.read().decode().strip())
try:
    urllib.request.urlopen(f"http://127.0.0.1:{port}/missing")
except urllib.error.HTTPError as e:
    print("http missing", e.code)
srv.shutdown()

async def echo(reader, writer):
    while data := await reader.read(65536):
        writer.write(data.upper())
        await writer.drain()
    writer.close()

async def main():
    server = await asyncio.start_server(echo, "127.0.0.1", 0)
    p = server.sockets[0].getsockname()[1]
    total = 0
    for i in range(5):
        reader, writer = await asyncio.open_connection("127.0.0.1", p)
        writer.write(b"x" * (100000 * (i + 1)))
        writer.write_eof()
        total += len(await reader.read())
        writer.close()
    print("asyncio echoed", total)
    server.close()
    await server.wait_closed()

asyncio.run(main())

a = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
a.bind(("127.0.0.1", 0))
c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
c.sendto(b"datagram", a.getsockname())
data, frm = a.recvfrom(100)
print("udp", data, frm[1] == c.getsockname()[1])

class Upper(socketserver.BaseRequestHandler):
    def handle(self):
        self.request.sendall(self.request.recv(100).upper())

with socketserver.ThreadingTCPServer(("127.0.0.1", 0), Upper) as ts:
    threading.Thread(target=ts.serve_forever, daemon=True).start()
    got = []
    def client(i):
        with socket.create_connection(ts.server_address) as s:
            s.sendall(f"client {i}".encode())
            got.append(s.recv(100).decode())
    cs = [threading.Thread(target=client, args=(i,)) for i in range(20)]
    for t in cs: t.start()
    for t in cs: t.join()
    print("threaded server", sorted(got)[:3], len(got))
    ts.shutdown()
PY

mkdir -p www && echo "busybox page" > www/page.txt
port=$((20000 + RANDOM % 10000))
busybox httpd -f -p "127.0.0.1:$port" -h www &
httpd=$!
for i in $(seq 50); do busybox wget -q -O - "http://127.0.0.1:$port/page.txt" 2>/dev/null && break; sleep 0.1; done
curl -s "http://127.0.0.1:$port/page.txt"
curl -s -o /dev/null -w 'curl missing %{http_code}\n' "http://127.0.0.1:$port/none"
kill $httpd; wait $httpd 2>/dev/null

busybox nc -l -p "$port" > from-client.txt < <(echo "server says hi") &
nc=$!
for i in $(seq 50); do echo "client says hi" | busybox nc 127.0.0.1 "$port" 2>/dev/null && break; sleep 0.1; done
wait $nc
cat from-client.txt
