# milvus-scenario — the commands the README shows.
.PHONY: chaos chaos-examples fuzz examples recovery-examples help demo demo-crud demo-mixed demo-hybrid demo-distributed demo-autoscale demo-standalone demo-recovery demo-recovery-cluster receivers test build release dist docs validate clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'

demo: ## start the local 3-query-node cluster, run scenarios/load_balance.yaml, print where the report is
	scripts/demo cluster

demo-standalone: ## the same on a standalone server (replica rows 2 and 3: not supported by this deployment)
	scripts/demo standalone

demo-recovery: ## scenarios/health_recovery.yaml: kill the standalone server mid-watch; alerts, restart, recovery timings
	scripts/demo recovery

demo-recovery-cluster: ## scenarios/health_recovery_cluster.yaml: kill one of 3 query nodes with 2 replicas loaded
	scripts/demo recovery-cluster

demo-crud: ## scenarios/crud.yaml on the standalone: query load, upserts and deletes, each checked with count(*)
	scripts/demo crud

demo-mixed: ## scenarios/mixed_workload.yaml on the standalone: streaming inserts with freshness while searching and querying
	scripts/demo mixed

demo-hybrid: ## scenarios/hybrid_search.yaml on milvus-lite: dense, full-text (BM25), hybrid, range and grouping searches
	scripts/demo hybrid

demo-distributed: ## scenarios/distributed.yaml as 3 local shards on the standalone (setup once, 3 shards of the load, merge); checks the merged totals
	scripts/demo distributed

demo-autoscale: ## scenarios/autoscale_cluster.yaml: scale a live local cluster from 2 to 3 query nodes under load and back; when the new node serves
	scripts/demo autoscale

soak: ## scenarios/soak.yaml: 60 minutes of background searches and inserts on the local cluster; the runner's memory, CPU, files and connections per check (SOAK_DURATION=10m for less)
	scripts/demo soak

soak-examples: ## regenerate reports/soak-examples/ from a real 60-minute soak
	DEMO_REPORT_DIR=reports/soak-examples scripts/demo soak

receivers: ## start the local alert receivers (webhook 9095, SMTP 2525, Alertmanager 9093)
	scripts/alert-receivers up

examples: ## regenerate reports/examples/ from a real load_balance run on the local cluster (zh, plus en/)
	DEMO_REPORT_DIR=reports/examples scripts/demo cluster
	.build/release/milvus-scenario report reports/examples/run.json --language en --output reports/examples/en

recovery-examples: ## regenerate reports/recovery-examples/ from real health_recovery runs (standalone and cluster; ~8 minutes)
	DEMO_REPORT_DIR=reports/recovery-examples/standalone scripts/demo recovery
	.build/release/milvus-scenario report reports/recovery-examples/standalone/run.json --language en --output reports/recovery-examples/standalone/en
	DEMO_REPORT_DIR=reports/recovery-examples/cluster scripts/demo recovery-cluster
	.build/release/milvus-scenario report reports/recovery-examples/cluster/run.json --language en --output reports/recovery-examples/cluster/en

chaos: ## the chaos matrix on the local cluster: {kill, freeze, partition} x {query node, proxy, data node, coordinators, etcd, broker} + kill standalone; one table (reports/chaos/<time>/chaos.md, 19 cases, ~29 min)
	scripts/chaos

chaos-examples: ## regenerate reports/chaos-examples/ from a full real matrix run
	rm -rf reports/chaos-examples
	scripts/chaos --out reports/chaos-examples

fuzz: ## libFuzzer + AddressSanitizer on the scenario front end for FUZZ_SECONDS (default 1800); a crash, hang or leak exits 1
	scripts/fuzz

test: ## install what is missing, build, run every test (what CI runs)
	scripts/test

build: ## debug build of the milvus-scenario executable
	scripts/bootstrap
	swift build

release: ## optimised build: .build/release/milvus-scenario
	scripts/bootstrap
	swift build -c release

dist: ## dist/milvus-scenario-<version>-linux-<arch>.tar.gz (+ .sha256): one relocatable binary needing only glibc, checked outside the checkout
	scripts/dist

docs: build ## regenerate docs/scenario-reference.md and docs/scenario.schema.json from the model
	.build/debug/milvus-scenario reference --output docs/scenario-reference.md
	.build/debug/milvus-scenario schema --output docs/scenario.schema.json

validate: build ## validate the example scenarios
	.build/debug/milvus-scenario validate scenarios/*.yaml

clean: ## remove build products and the local tool venv
	rm -rf .build .build-dist .build-fuzz .local dist
