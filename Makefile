# The two commands of the README, and a few for developers.
.PHONY: run test lint bench

run:            ## set up, train if the data changed, and serve the demo bot
	@scripts/bootstrap
	.venv/bin/python -m bot run

test:           ## set up (with test tools), train if needed, run every test
	@scripts/bootstrap --test
	.venv/bin/python -m bot train
	.venv/bin/python -m pytest

lint:           ## ruff and mypy
	@scripts/bootstrap --test
	.venv/bin/ruff check . && .venv/bin/ruff format --check . && .venv/bin/mypy core bot handoff actions

bench:          ## the framework against bare rasa, under load
	@scripts/bootstrap
	.venv/bin/python -m bot bench
