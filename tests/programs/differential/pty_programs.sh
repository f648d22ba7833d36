# Programs that make their own terminals: script(1) runs a shell on a new pty
# (/dev/ptmx, /dev/pts, signalfd), and tmux runs a server over a Unix socket.
script -qc 'tty | sed "s/[0-9]*$/N/"; echo hi; stty size' /dev/null < /dev/null | tr -d '\r'
echo "script exited ${PIPESTATUS[0]}"
tmux -S ./sock new-session -d -x 80 -y 24 'echo inside-tmux > out; sleep 2'
sleep 0.5
tmux -S ./sock list-sessions -F '#{session_windows} window(s) of #{window_width}x#{window_height}'
sleep 0.3
cat out
tmux -S ./sock kill-server
echo "tmux exited $?"
