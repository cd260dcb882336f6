# Thin aliases for dev.py, which does the real work (and needs nothing but Python 3.11+).
.PHONY: demo console test bench

demo:
	python3 dev.py demo

console:
	python3 dev.py console

test:
	python3 dev.py test

bench:
	python3 dev.py bench
