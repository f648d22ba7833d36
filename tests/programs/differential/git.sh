# git: init, add, commit, branch, log, diff — with fixed identities and dates.
export GIT_AUTHOR_NAME=Veil GIT_AUTHOR_EMAIL=veil@example.org
export GIT_COMMITTER_NAME=Veil GIT_COMMITTER_EMAIL=veil@example.org
export GIT_AUTHOR_DATE="2026-01-01T00:00:00Z" GIT_COMMITTER_DATE="2026-01-01T00:00:00Z"
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
git init -q -b main repo && cd repo
echo "first" > a.txt; git add a.txt; git commit -q -m "add a"
echo "second" >> a.txt; echo "b" > b.txt; git add -A; git commit -q -m "grow a, add b"
git checkout -q -b topic; echo "topic" > c.txt; git add c.txt; git commit -q -m "topic work"
git checkout -q main; git merge -q --no-edit topic
git log --format='%h %an %s'
git diff HEAD~2 --stat
git show --format=%s HEAD~1 -- a.txt | tail -3
git status --short; echo "status done"
git rev-list --count HEAD
git cat-file -p HEAD^{tree}
git gc -q && git count-objects -v | grep -E '^(count|in-pack)'
