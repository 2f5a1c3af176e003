-- Sundial SQLite store, schema 3: claims by task (routing).
--
-- A node claims only jobs of the tasks it registers. With the claim index ordered by priority
-- first, a node would walk every queued job of other tasks on each claim (a controller node
-- behind 100,000 queued jobs of the workers' tasks). Leading with the task, each of the node's
-- tasks is one short index range, and the claim merges them (see claimJobsSql in statements.ts).
-- Nodes of the previous version use INDEXED BY jobs_claim: stop them before this one migrates.

DROP INDEX jobs_claim;
CREATE INDEX jobs_claim_task ON jobs (task, priority DESC, run_at_ms, seq) WHERE status IN ('queued', 'failed');
