#!/usr/bin/env bash
# Deploy a built site atomically: upload a new release directory, then switch the `current`
# symlink the web server serves (nginx: root $DEPLOY_PATH/current;). Keeps the last 5 releases.
#   DEPLOY_HOST  DEPLOY_USER  DEPLOY_PATH  DEPLOY_SSH_KEY (private key)  DEPLOY_KNOWN_HOSTS
# Without DEPLOY_HOST the release goes to DEPLOY_PATH on this machine (a runner on the web server).
set -euo pipefail
site="${1:?usage: deploy.sh SITE_DIR}"
: "${DEPLOY_PATH:?DEPLOY_PATH 未设置：请在 CI 变量中填写网站目录}"
release="releases/$(date +%Y%m%d%H%M%S)"
switch="cd '$DEPLOY_PATH' && ln -sfn '$release' current.tmp && mv -T current.tmp current && ls -1dt releases/* | tail -n +6 | xargs -r rm -rf"
if [ -z "${DEPLOY_HOST:-}" ]; then
  mkdir -p "$DEPLOY_PATH/$release"
  cp -a "$site/." "$DEPLOY_PATH/$release/"
  bash -c "$switch"
else
  key="$(mktemp)"
  trap 'rm -f "$key" "$key.known"' EXIT
  printf '%s\n' "$DEPLOY_SSH_KEY" > "$key"
  printf '%s\n' "${DEPLOY_KNOWN_HOSTS:-}" > "$key.known"
  chmod 600 "$key"
  ssh_cmd="ssh -i $key -o UserKnownHostsFile=$key.known -o StrictHostKeyChecking=yes"
  target="${DEPLOY_USER:-deploy}@$DEPLOY_HOST"
  $ssh_cmd "$target" "mkdir -p '$DEPLOY_PATH/$release'"
  rsync -a --delete -e "$ssh_cmd" "$site/" "$target:$DEPLOY_PATH/$release/"
  $ssh_cmd "$target" "$switch"
fi
echo "已部署：$DEPLOY_PATH/$release"
