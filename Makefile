# 山西青年平安志愿者数据仓库 — 常用命令。Run `make help` for the list.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
DEMO   := build/demo
# The demo rosters' password (demo data only; real rosters take theirs from the ROSTER_PASSWORD secret).
DEMO_PASSWORD := pingan-demo-2026

.DEFAULT_GOAL := help
.PHONY: help venv dev-venv system-deps demo check lint test ci-release bench schema clean site leak-check serve ci-rosters ci-site ci-import

help:  ## 列出可用命令
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# The runtime venv: exact pins with hashes; the package itself installed editable.
$(VENV)/.runtime: requirements/runtime.txt pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check --require-hashes -r requirements/runtime.txt
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $@

$(VENV)/.dev: requirements/dev.txt $(VENV)/.runtime
	$(BIN)/pip install --quiet --disable-pip-version-check --require-hashes -r requirements/dev.txt
	touch $@

venv: $(VENV)/.runtime  ## 创建运行环境（.venv，按锁定的版本和哈希安装）

dev-venv: $(VENV)/.dev  ## 创建测试环境（运行环境加测试工具）

system-deps:  ## 安装测试需要的 Debian 软件包（chromium、中文字体、LibreOffice）
	scripts/install-system-deps.sh

# The encrypted demo's secret keys (demo-data --encrypt writes them; a .gitignore there keeps them out of git).
DEMO_KEYS := $(DEMO)/repo/.demo-keys
# Every step but a unit's own check runs as CI does: with CI's key, which opens every record.
AS_CI := PINGAN_AGE_KEY_FILE=$(DEMO_KEYS)/ci.agekey

demo: venv  ## 用 30000 条虚构的加密记录走完整流程：CI 和单位的校验、加密名单、公开网站，结果在 build/demo/
	rm -rf $(DEMO)
	$(BIN)/pingan demo-data --out $(DEMO)/repo --count 30000 --git --encrypt
	$(AS_CI) $(BIN)/pingan validate --root $(DEMO)/repo > $(DEMO)/validate.txt; status=$$?; tail -n 1 $(DEMO)/validate.txt; exit $$status
	@echo "演示数据仓库：$(DEMO)/repo（全部为虚构数据，个人信息都已加密）"
	@echo "演示私钥：    $(DEMO_KEYS)/（不提交）：CI 用 ci.agekey，办公室用 office.agekey，各单位用“单位代码.agekey”"
	@echo "校验结果：    $(DEMO)/validate.txt（用 CI 的私钥：打开全部记录）"
	PINGAN_AGE_KEY_FILE=$(DEMO_KEYS)/taiyuan.agekey $(BIN)/pingan validate --root $(DEMO)/repo --cache-dir $(DEMO)/taiyuan-cache > $(DEMO)/validate-taiyuan.txt; status=$$?; tail -n 2 $(DEMO)/validate-taiyuan.txt; exit $$status
	@echo "单位的校验：  $(DEMO)/validate-taiyuan.txt（用太原市的私钥 $(DEMO_KEYS)/taiyuan.agekey：只打开本单位的记录）"
	$(AS_CI) $(BIN)/pingan release --root $(DEMO)/repo > $(DEMO)/release.txt; status=$$?; tail -n 1 $(DEMO)/release.txt; exit $$status
	@echo "分项统计发布：$(DEMO)/repo/data/releases/（每期一个文件，加噪后的数字，发布后不再改动）"
	$(AS_CI) PINGAN_DEMO_PASSWORD=$(DEMO_PASSWORD) $(BIN)/pingan roster --root $(DEMO)/repo --out $(DEMO)/rosters --password-env PINGAN_DEMO_PASSWORD > $(DEMO)/rosters.txt
	@echo "Excel 名单：  $(DEMO)/rosters/（已加密，演示密码：$(DEMO_PASSWORD)）"
	$(AS_CI) $(BIN)/pingan site --root $(DEMO)/repo --out $(DEMO)/site --stories demo/stories > $(DEMO)/site.txt
	$(AS_CI) $(BIN)/pingan leak-check --root $(DEMO)/repo --site $(DEMO)/site --stories demo/stories
	@echo "演示网站：    $(DEMO)/site（含三篇示例事迹）"
	@echo "预览网站：    $(AS_CI) make serve ROOT=$(DEMO)/repo STORIES=demo/stories（修改页面后自动刷新）"
	@echo "              或 $(PYTHON) -m http.server -d $(DEMO)/site，再打开 http://127.0.0.1:8000/"

lint: dev-venv  ## 代码检查：ruff、mypy、import-linter（模块依赖约定写在 .importlinter 中）、zizmor（工作流的安全检查）
	$(BIN)/ruff check pingan scripts tests
	$(BIN)/mypy
	if [ -f .importlinter ]; then $(BIN)/lint-imports; fi
	$(BIN)/zizmor --offline --no-progress .github/workflows

test: dev-venv system-deps node_modules/.installed lint  ## 运行全部测试
	$(BIN)/python -m pytest

bench: dev-venv  ## 运行性能基准（完整规模，需要较长时间）
	$(BIN)/python scripts/bench_validate.py
	$(BIN)/python scripts/bench_roster.py
	$(BIN)/python scripts/bench_site.py
	$(BIN)/python scripts/bench_roundtrip.py
	$(BIN)/python scripts/bench_encryption.py

schema: venv  ## 由数据模型重新生成 schemas/*.schema.json
	$(BIN)/pingan schema --out schemas

clean:  ## 删除生成的文件（保留 .venv）
	rm -rf build site docs/generated docs/stories/posts/demo .pytest_cache .mypy_cache .ruff_cache test-output

# The public site (issue 6). ROOT: the data repository; STORIES: extra story folders (the demo's samples);
# SITE_URL: the published address, used by 404.html and the sitemap only (pages link relatively).
ROOT     ?= .
SITE     ?= site
STORIES  ?=
SITE_URL ?=
SITE_ARGS = $(foreach d,$(STORIES),--stories $(d))

site: venv  ## 生成公开网站到 site/（数据来自 ROOT，默认本仓库；先生成数据页，再 mkdocs build --strict）
	$(BIN)/pingan site --root $(ROOT) --out $(SITE) $(SITE_ARGS) $(if $(SITE_URL),--site-url $(SITE_URL))

check: venv  ## 提交前检查：对已提交的改动运行和 CI 相同的检查（账号：git config pingan.author 你的账号）
	$(BIN)/pingan check

leak-check: venv  ## 检查 site/ 中有没有志愿者的身份证号码、电话、住址、姓名（发布前必须通过）
	$(BIN)/pingan leak-check --root $(ROOT) --site $(SITE) $(SITE_ARGS)

serve: venv  ## 本地预览网站并自动刷新（演示数据：PINGAN_AGE_KEY_FILE=build/demo/repo/.demo-keys/ci.agekey make serve ROOT=build/demo/repo STORIES=demo/stories）
	$(BIN)/pingan site --root $(ROOT) --prepare $(SITE_ARGS)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs serve --dev-addr 127.0.0.1:8000

# axe-core for the browser tests' accessibility check: exact version and integrity hash from package-lock.json.
node_modules/.installed: package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund
	touch $@

# --- CI jobs (GitHub/Gitea workflows and GitLab jobs call these; no logic in the CI files) ------------
# No recipe below pastes a workflow input, an event field or a secret into its text: make would hand it to the
# shell as code. Values arrive as environment variables and are read by pingan (checked in Python) or quoted
# by the shell ("$$VAR"):
#   ROSTER_SINCE     first day of the insurance changes list, YYYY-MM-DD; empty: the 1st of this month (Asia/Shanghai)
#   ROSTER_PASSWORD  the rosters' password (an environment secret limited to the default branch)
#   PUSH_REMOTE      where the post-merge import pushes: a remote name (default origin) or a URL carrying a token (GitLab)
#   PUSH_BRANCH      the branch it pushes to (default main)
#   SITE_DIR         where ci-site writes the public site (default site; GitLab Pages: public)
#   SITE_URL         the published address without the trailing slash (Pages' base URL), optional

ci-rosters: venv  ## CI：生成加密的 Excel 名单到 rosters/（日期取自 ROSTER_SINCE，密码取自 ROSTER_PASSWORD；没有密码则失败）
	$(BIN)/pingan roster --out rosters --since-env ROSTER_SINCE --password-env ROSTER_PASSWORD

ci-site: venv  ## CI：用本仓库的数据生成公开网站到 SITE_DIR（默认 site/；网址取自环境变量 SITE_URL）
	$(BIN)/pingan site --root . --out "$${SITE_DIR:-site}" --no-new-releases $${SITE_URL:+--site-url "$$SITE_URL/"}

ci-release: venv  ## CI（定时，办公室环境）：生成到期的分项统计发布到 data/releases/，提交并推送（发布后永不改动）
	$(BIN)/pingan release --root .
	git add -A data/releases
	@if git diff --cached --quiet; then echo "没有到期的分项统计。"; else \
	  git -c user.name="pingan release" -c user.email="pingan-release@noreply.invalid" \
	    commit -q -m "Publish statistics releases" && \
	  git push -q "$${PUSH_REMOTE:-origin}" "HEAD:$${PUSH_BRANCH:-main}" && echo "已提交并推送新的分项统计发布。"; fi

ci-import: venv  ## CI（合并后）：把 imports/ 中的工作簿转换为记录、删除工作簿，提交并推送
	$(BIN)/pingan import-pending --apply
	git add -A data/volunteers imports
	@if git diff --cached --quiet; then echo "没有需要提交的变化。"; else \
	  git -c user.name="pingan import" -c user.email="pingan-import@noreply.invalid" \
	    commit -q -m "Import Excel rosters from imports/" && \
	  git push -q "$${PUSH_REMOTE:-origin}" "HEAD:$${PUSH_BRANCH:-main}" && echo "已提交并推送导入的记录。"; fi
