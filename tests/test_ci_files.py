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


def test_scripts_referenced_exist_and_parse() -> None:
    text = GITHUB.read_text(encoding="utf-8") + GITLAB.read_text(encoding="utf-8")
    for script in set(re.findall(r"bash (scripts/[\w.-]+)", text)):
        assert (ROOT / script).is_file(), script
    for path in SHELL_FILES:
        subprocess.run(["bash", "-n", str(path)], check=True)
    assert (ROOT / "hooks" / "pre-commit").stat().st_mode & 0o111


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


# --- the workflows, run step by step on a county data repository -------------------------------
# GitHub Actions and GitLab CI cannot run here; what they would run can. Each step's shell is run in
# order in a real git clone of a small county, with the workflow's own environment. Expressions
# (${{ … }}) are answered from this table as the runner would answer them for a push to main; an
# expression the table does not know fails the test, so a change to the workflow is looked at here.
INSTALL_STEP = "bash scripts/install-yikatong.sh"  # tested on its own above; yikatong is on PATH here


def _county_repo(tmp_path: Path) -> tuple[Path, Path, dict[str, str]]:
    import os
    import shutil
    import sys

    from tests.publishing_factory import make_data_dir, make_person, write_batch

    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(remote))
    repo = make_data_dir(tmp_path / "checkout")
    for item in ROOT.iterdir():
        (shutil.copytree if item.is_dir() else shutil.copy)(item, repo / item.name)
    write_batch(repo, "2025-gdzl", "gdzl", "2025-03-25", [make_person(i) for i in range(1, 4)])
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "county data")
    git(repo, "remote", "add", "origin", str(remote))
    git(repo, "push", "-q", "origin", "main")
    env = {"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "HOME": str(tmp_path),
           "LANG": os.environ.get("LANG", "C.UTF-8")}
    return repo, remote, env


def _run_shell(line: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", "-e", "-o", "pipefail", "-c", line], cwd=cwd, env=env,
                          capture_output=True, text=True, check=False)


@pytest.mark.slow
def test_github_workflow_run_on_a_push_publishes_and_commits_the_ledger(tmp_path: Path) -> None:
    repo, remote, base_env = _county_repo(tmp_path)
    www, step_env_file, summary = tmp_path / "www", tmp_path / "github_env", tmp_path / "summary"
    answers = {
        "github.workspace": str(repo), "github.ref": "refs/heads/main",
        "github.event_name == 'pull_request' && github.sha || 'main'": "main",
        "vars.YIKATONG_PIP_SPEC": "", "vars.PIP_INDEX_URL || 'https://pypi.org/simple'": "https://pypi.org/simple",
        "secrets.DEPLOY_HOST": "", "secrets.DEPLOY_USER": "", "secrets.DEPLOY_PATH": str(www),
        "secrets.DEPLOY_SSH_KEY": "", "secrets.DEPLOY_KNOWN_HOSTS": "",
    }
    conditions = {"github.event_name != 'pull_request'": True}

    def expand(value: object) -> str:
        return re.sub(r"\$\{\{\s*(.+?)\s*\}\}", lambda m: answers[m.group(1)], str(value))

    doc = load(GITHUB)
    assert doc[True]["push"]["branches"] == ["main"]  # YAML 1.1 reads the key `on` as true
    env = {**base_env, **{k: expand(v) for k, v in doc["env"].items()}}
    env |= {"GITHUB_ENV": str(step_env_file), "GITHUB_STEP_SUMMARY": str(summary)}
    step_env_file.write_text("", encoding="utf-8")
    ran = []
    for job in doc["jobs"].values():
        for step in job["steps"]:
            if "uses" in step:
                for value in step.get("with", {}).values():
                    expand(value)  # every expression is one the table knows
                continue
            if "if" in step and not conditions[step["if"]]:
                continue
            if step["run"] == INSTALL_STEP:
                continue
            exported = dict(line.split("=", 1) for line in step_env_file.read_text(encoding="utf-8").splitlines())
            step_env = {**env, **exported, **{k: expand(v) for k, v in step.get("env", {}).items()}}
            result = _run_shell(expand(step["run"]), repo, step_env)
            assert result.returncode == 0, f"{step['name']}: {result.stdout}{result.stderr}"
            ran.append(step["name"])
    assert ran == ["确定“今天”（北京时间）", "校验数据", "公开期限检查", "生成网站", "泄露扫描", "部署网站",
                   "提交发布台账和脱敏快照"]
    # the site is live behind the `current` symlink, and main on the remote holds the ledger
    assert (www / "current").is_symlink() and (www / "current" / "index.html").is_file()
    ledger = git(remote, "show", "main:ledger.csv")
    assert "2025-gdzl" in ledger
    assert git(remote, "ls-tree", "-r", "--name-only", "main", "published/").strip()
    assert "[skip ci]" in git(remote, "log", "-1", "--format=%s", "main")
    assert summary.read_text(encoding="utf-8").startswith("公开期限检查（")  # tee'd to the run's summary


@pytest.mark.slow
def test_gitlab_merge_request_pipeline_checks_builds_and_scans(tmp_path: Path) -> None:
    repo, _remote, env = _county_repo(tmp_path)
    doc = load(GITLAB)
    assert doc["publish"]["resource_group"] == "publish"  # one publication at a time
    lines = [line for line in doc["default"]["before_script"]
             if not line.startswith("apt-get") and line != INSTALL_STEP] + doc["check"]["script"]
    result = _run_shell("\n".join(lines), repo, {**env, **{k: str(v) for k, v in doc["variables"].items()}})
    assert result.returncode == 0, result.stdout + result.stderr
    assert (repo / "_site" / "index.html").is_file()
    assert "泄露扫描通过" in result.stdout + result.stderr
