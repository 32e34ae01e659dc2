"""The CI files shipped for a county's data repository (ci/county-data-repo/)."""

from __future__ import annotations

import re
import shlex
import subprocess
from pathlib import Path

import click
import pytest
import yaml

from generator.cli import main

ROOT = Path(__file__).resolve().parent.parent / "ci" / "county-data-repo"
GITHUB = ROOT / ".github" / "workflows" / "publish.yml"
GITLAB = ROOT / ".gitlab-ci.yml"
PRE_COMMIT = ROOT / ".pre-commit-config.yaml"
INSTALL = ROOT / "scripts" / "install-yikatong.sh"
SHELL_FILES = [ROOT / "hooks" / "pre-commit", ROOT / "scripts" / "deploy.sh", ROOT / "scripts" / "commit-ledger.sh",
               INSTALL]
SEPARATORS = {"|", "||", "&&", ";", "then", "!", "if", "do"}
PIPELINE = ["validate", "build", "scan"]


def load(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def github_lines() -> list[str]:
    jobs = load(GITHUB)["jobs"]
    return [line for job in jobs.values() for step in job["steps"] for line in step.get("run", "").splitlines()]


def gitlab_lines() -> list[str]:
    doc = load(GITLAB)
    lines = list(doc["default"]["before_script"])
    for job in doc.values():
        if isinstance(job, dict) and "script" in job:
            lines += job["script"]
    return lines


def pre_commit_lines() -> list[str]:
    return [hook["entry"] for repo in load(PRE_COMMIT)["repos"] for hook in repo["hooks"]]


def hook_lines() -> list[str]:
    return (ROOT / "hooks" / "pre-commit").read_text(encoding="utf-8").splitlines()


def yikatong_calls(lines: list[str]) -> list[list[str]]:
    """Each ``yikatong SUBCOMMAND ARGS…`` invocation (not ``pip install yikatong``)."""
    calls = []
    for line in lines:
        if line.lstrip().startswith("#"):
            continue
        tokens = shlex.split(re.sub(r"\$\([^)]*\)", "X", line))
        for pos, token in enumerate(tokens):
            if token == "yikatong" and (pos == 0 or tokens[pos - 1] in SEPARATORS):
                args = []
                for arg in tokens[pos + 1:]:
                    if arg in SEPARATORS or arg.startswith((">", "2>")):
                        break
                    args.append(arg.rstrip(";"))
                    if arg.endswith(";"):
                        break
                calls.append(args)
    return calls


SOURCES = {"github": github_lines, "gitlab": gitlab_lines, "pre-commit": pre_commit_lines, "hook": hook_lines}


@pytest.mark.parametrize("path", [GITHUB, GITLAB, PRE_COMMIT], ids=["github", "gitlab", "pre-commit"])
def test_files_are_valid_yaml(path: Path) -> None:
    assert isinstance(load(path), dict)


@pytest.mark.parametrize("source", SOURCES, ids=list(SOURCES))
def test_every_yikatong_call_is_a_real_command_with_real_options(source: str) -> None:
    calls = yikatong_calls(SOURCES[source]())
    assert calls, f"{source}: no yikatong command found"
    for args in calls:
        command = main.commands.get(args[0])
        assert command is not None, f"{source}: yikatong {args[0]} does not exist"
        known = {opt for param in command.params if isinstance(param, click.Option) for opt in param.opts}
        used = {arg.split("=")[0] for arg in args[1:] if arg.startswith("--")}
        assert used <= known, f"{source}: yikatong {args[0]} has no option {sorted(used - known)}"


@pytest.mark.parametrize("source", ["github", "gitlab"])
def test_pipelines_validate_build_scan_and_check_deadlines(source: str) -> None:
    called = [args[0] for args in yikatong_calls(SOURCES[source]())]
    assert [c for c in called if c in PIPELINE][:3] == PIPELINE
    assert "deadlines" in called
    assert all("--as-of" in args for args in yikatong_calls(SOURCES[source]()) if args[0] in ("validate", "build"))


def test_github_publishes_from_main_and_commits_the_ledger() -> None:
    doc = load(GITHUB)
    triggers = doc[True]  # YAML 1.1 reads the key `on` as true
    assert triggers["push"]["branches"] == ["main"]
    assert "schedule" in triggers and "pull_request" in triggers
    assert doc["permissions"]["contents"] == "write"
    assert doc["concurrency"]["cancel-in-progress"] is False
    steps = doc["jobs"]["publish"]["steps"]
    tail = [s.get("run", "") for s in steps[-2:]]
    assert tail == ['bash scripts/deploy.sh "$SITE_DIR"', "bash scripts/commit-ledger.sh main"]
    assert all(s["if"] == "github.event_name != 'pull_request'" for s in steps[-2:])


def test_gitlab_publishes_one_run_at_a_time_and_commits_the_ledger() -> None:
    job = load(GITLAB)["publish"]
    assert job["resource_group"] == "publish"
    assert job["rules"] == [{"if": "$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH"}]
    assert job["script"][-1].endswith('bash scripts/commit-ledger.sh "$CI_DEFAULT_BRANCH"')


def test_scripts_referenced_exist_and_parse() -> None:
    text = GITHUB.read_text(encoding="utf-8") + GITLAB.read_text(encoding="utf-8")
    for script in set(re.findall(r"bash (scripts/[\w.-]+)", text)):
        assert (ROOT / script).is_file(), script
    for path in SHELL_FILES:
        subprocess.run(["bash", "-n", str(path)], check=True)
    assert (ROOT / "hooks" / "pre-commit").stat().st_mode & 0o111


def test_commit_script_commits_ledger_and_snapshots() -> None:
    text = (ROOT / "scripts" / "commit-ledger.sh").read_text(encoding="utf-8")
    assert "git add ledger.csv published/" in text
    assert "[skip ci]" in text


def git(cwd: Path, *args: str) -> str:
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@x", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@x", "PATH": "/usr/bin:/bin", "HOME": str(cwd)}
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True, env=env).stdout


def test_commit_script_pushes_the_ledger(tmp_path: Path) -> None:
    remote, work = tmp_path / "remote.git", tmp_path / "work"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(remote))
    git(tmp_path, "clone", "-q", str(remote), str(work))
    (work / "county.yml").write_text("county: {}\n", encoding="utf-8")
    git(work, "add", "county.yml")
    git(work, "commit", "-q", "-m", "init")
    git(work, "push", "-q", "origin", "HEAD:main")
    (work / "ledger.csv").write_text("batch_id,version,content_hash,window_start,published_on\n", encoding="utf-8")
    (work / "published" / "b").mkdir(parents=True)
    (work / "published" / "b" / "abc.csv").write_text("ref\n", encoding="utf-8")
    env = {"GIT_AUTHOR_NAME": "bot", "GIT_AUTHOR_EMAIL": "b@x", "GIT_COMMITTER_NAME": "bot",
           "GIT_COMMITTER_EMAIL": "b@x", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    script = ROOT / "scripts" / "commit-ledger.sh"
    run = subprocess.run(["bash", str(script), "main"], cwd=work, env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "已提交发布台账。"
    assert git(remote, "show", "main:published/b/abc.csv") == "ref\n"
    assert "[skip ci]" in git(remote, "log", "-1", "--format=%s", "main")
    again = subprocess.run(["bash", str(script), "main"], cwd=work, env=env, capture_output=True, text=True)
    assert again.stdout.strip() == "发布台账无变化。"


def test_deploy_script_switches_releases_atomically(tmp_path: Path) -> None:
    site, target = tmp_path / "site", tmp_path / "www"
    site.mkdir()
    (site / "index.html").write_text("<p>ok</p>", encoding="utf-8")
    env = {"DEPLOY_PATH": str(target), "PATH": "/usr/bin:/bin"}
    run = subprocess.run(["bash", str(ROOT / "scripts" / "deploy.sh"), str(site)], env=env,
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert (target / "current" / "index.html").read_text(encoding="utf-8") == "<p>ok</p>"
    assert (target / "current").is_symlink()


def _git(repo: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, env=env, check=False)


def test_pre_commit_hook_refuses_a_bad_batch_and_lets_a_good_one_through(tmp_path: Path) -> None:
    """What a clerk sees: a commit with a wrong ID is refused with file:row:column; fixed, it goes in."""
    import os
    import shutil
    import sys

    from tests.publishing_factory import make_data_dir, make_person, write_batch

    repo = make_data_dir(tmp_path)
    shutil.copytree(ROOT / "hooks", repo / "hooks")
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
           "GIT_AUTHOR_NAME": "李会计", "GIT_AUTHOR_EMAIL": "clerk@example.invalid",
           "GIT_COMMITTER_NAME": "李会计", "GIT_COMMITTER_EMAIL": "clerk@example.invalid"}
    assert _git(repo, "init", "-q").returncode == 0
    _git(repo, "config", "core.hooksPath", "hooks")
    good = make_person(1)
    bad = make_person(2, 身份证号=make_person(2)["身份证号"][:-1] + ("0" if make_person(2)["身份证号"][-1] != "0" else "1"))
    write_batch(repo, "2025-gdzl", "gdzl", "2025-03-25", [good, bad])
    _git(repo, "add", "-A")
    refused = _git(repo, "commit", "-qm", "2025 耕地地力保护补贴", env=env)
    assert refused.returncode != 0
    assert "batches/2025/2025-gdzl/records.csv:3:身份证号:" in refused.stderr  # git shows hooks on stderr
    assert "数据校验未通过，本次提交已取消。" in refused.stderr
    write_batch(repo, "2025-gdzl", "gdzl", "2025-03-25", [good, make_person(2)])
    _git(repo, "add", "-A")
    accepted = _git(repo, "commit", "-qm", "2025 耕地地力保护补贴", env=env)
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    assert _git(repo, "log", "--oneline").stdout.count("\n") == 1


def test_ci_installs_yikatong_only_from_a_pinned_source_the_county_controls() -> None:
    for lines in (github_lines(), gitlab_lines()):
        installs = [line for line in lines if "pip install" in line or "install-yikatong" in line]
        assert installs == ["bash scripts/install-yikatong.sh"]
    assert "'yikatong'" not in GITHUB.read_text(encoding="utf-8")


@pytest.mark.parametrize("spec", ["yikatong", "yikatong==0.1.0", "git+https://git.example.gov.cn/it/yikatong.git"])
def test_install_script_refuses_a_package_name_or_an_untagged_source(spec: str, tmp_path: Path) -> None:
    result = subprocess.run(["bash", str(INSTALL)], cwd=tmp_path, capture_output=True, text=True,
                            env={"PATH": "/usr/bin:/bin", "YIKATONG_PIP_SPEC": spec})
    assert result.returncode == 1
    assert "YIKATONG_PIP_SPEC 应为带标签的 git 地址" in result.stderr


def test_install_script_without_a_wheel_or_tag_says_what_to_do(tmp_path: Path) -> None:
    result = subprocess.run(["bash", str(INSTALL)], cwd=tmp_path, capture_output=True, text=True,
                            env={"PATH": "/usr/bin:/bin"})
    assert result.returncode == 1
    assert "未找到固定版本的 yikatong：请把 wheel 放进 vendor/（只放一个），或设置 CI 变量 YIKATONG_PIP_SPEC。" in result.stderr
