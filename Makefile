# 山西青年平安志愿者数据仓库 — 常用命令。Run `make help` for the list.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
DEMO   := build/demo
# The demo rosters' password (demo data only; real rosters take theirs from the ROSTER_PASSWORD secret).
DEMO_PASSWORD := pingan-demo-2026

.DEFAULT_GOAL := help
.PHONY: help venv dev-venv system-deps demo test bench schema clean

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

demo: venv  ## 生成 30000 条虚构记录并走完整流程（校验等），结果在 build/demo/
	rm -rf $(DEMO)
	$(BIN)/pingan demo-data --out $(DEMO)/repo --count 30000 --git
	$(BIN)/pingan validate --root $(DEMO)/repo > $(DEMO)/validate.txt; status=$$?; tail -n 1 $(DEMO)/validate.txt; exit $$status
	@echo "演示数据仓库：$(DEMO)/repo（全部为虚构数据）"
	@echo "校验结果：    $(DEMO)/validate.txt"
	PINGAN_DEMO_PASSWORD=$(DEMO_PASSWORD) $(BIN)/pingan roster --root $(DEMO)/repo --out $(DEMO)/rosters --password-env PINGAN_DEMO_PASSWORD > $(DEMO)/rosters.txt
	@echo "Excel 名单：  $(DEMO)/rosters/（已加密，演示密码：$(DEMO_PASSWORD)）"

test: dev-venv system-deps  ## 运行全部测试
	$(BIN)/python -m pytest

bench: dev-venv  ## 运行性能基准（完整规模，需要较长时间）
	$(BIN)/python scripts/bench_validate.py
	$(BIN)/python scripts/bench_roster.py

schema: venv  ## 由数据模型重新生成 schemas/*.schema.json
	$(BIN)/pingan schema --out schemas

clean:  ## 删除生成的文件（保留 .venv）
	rm -rf build site docs/generated .pytest_cache test-output
