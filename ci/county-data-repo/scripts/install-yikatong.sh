#!/usr/bin/env bash
# 安装固定版本的 yikatong，来源由本县掌握，绝不按包名从公共索引安装（任何人都可能抢注同名包）：
#   1. 本仓库 vendor/ 目录中的 wheel（信息中心构建后提交，例如 vendor/yikatong-0.1.0-py3-none-any.whl）；或
#   2. CI 变量 YIKATONG_PIP_SPEC：本县 git 服务器上 yikatong 仓库的一个标签，
#      例如 git+https://git.example.gov.cn/it/yikatong.git@v0.1.0
set -euo pipefail
if [ -n "${YIKATONG_PIP_SPEC:-}" ]; then
  case "$YIKATONG_PIP_SPEC" in
    git+*@*) spec="$YIKATONG_PIP_SPEC" ;;
    *) echo "YIKATONG_PIP_SPEC 应为带标签的 git 地址，例如 git+https://git.example.gov.cn/it/yikatong.git@v0.1.0" >&2; exit 1 ;;
  esac
else
  shopt -s nullglob
  wheels=(vendor/yikatong-*.whl)
  if [ "${#wheels[@]}" -ne 1 ]; then
    echo "未找到固定版本的 yikatong：请把 wheel 放进 vendor/（只放一个），或设置 CI 变量 YIKATONG_PIP_SPEC。" >&2
    exit 1
  fi
  spec="${wheels[0]}"
fi
python -m pip install -q "$spec"
yikatong --version
