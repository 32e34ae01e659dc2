#!/usr/bin/env bash
# Commit the publication ledger and masked snapshots the build wrote, and push them.
# Runs only after a successful build and deploy: the ledger records what is really online.
set -euo pipefail
branch="${1:-main}"
git add ledger.csv published/ 2>/dev/null || git add ledger.csv
if git diff --cached --quiet; then
  echo "发布台账无变化。"
  exit 0
fi
git commit -q -m "发布台账：$(date +%F) 构建 [skip ci]"
for attempt in 1 2 3; do
  if git push -q -o ci.skip origin "HEAD:$branch" 2>/dev/null || git push -q origin "HEAD:$branch"; then
    echo "已提交发布台账。"
    exit 0
  fi
  echo "推送失败（第 $attempt 次），合并最新提交后重试……" >&2
  git pull -q --rebase origin "$branch"
done
echo "无法推送发布台账：请管理员检查仓库权限。" >&2
exit 1
