# The two commands of the README, and a few for developers.
.PHONY: run test lint bench

run:            ## set up, train if the data changed, and serve the demo bot
	@scripts/bootstrap
	.venv/bin/python -m bot run

# Test files run on this many processes (pytest-xdist), each file's tests in one of them
# (--dist loadfile), so that a module's server starts once, the slowest files first
# (tests/conftest.py's SLOWEST_FILES, kept in that order); TEST_WORKERS=0: one process.
TEST_WORKERS ?= 2

test:           ## set up (with test tools), train if needed, run every test
	@scripts/bootstrap --test
	.venv/bin/python -m bot train
	.venv/bin/python -m pytest -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder

lint:           ## ruff and mypy
	@scripts/bootstrap --test
	.venv/bin/ruff check . && .venv/bin/ruff format --check . && .venv/bin/mypy core bot handoff actions

bench:          ## the framework against bare rasa, under load
	@scripts/bootstrap
	.venv/bin/python -m bot bench
