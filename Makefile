# milvus-scenario — the commands the README shows.
.PHONY: help test build release docs validate clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 12

test: ## install what is missing, build, run every test (what CI runs)
	scripts/test

build: ## debug build of the milvus-scenario executable
	scripts/bootstrap
	swift build

release: ## optimised build: .build/release/milvus-scenario
	scripts/bootstrap
	swift build -c release

docs: build ## regenerate docs/scenario-reference.md and docs/scenario.schema.json from the model
	.build/debug/milvus-scenario reference --output docs/scenario-reference.md
	.build/debug/milvus-scenario schema --output docs/scenario.schema.json

validate: build ## validate the example scenarios
	.build/debug/milvus-scenario validate scenarios/*.yaml

clean: ## remove build products and the local tool venv
	rm -rf .build .local
