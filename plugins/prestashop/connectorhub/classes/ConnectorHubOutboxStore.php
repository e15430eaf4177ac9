<?php
/**
 * Where the outbox keeps its rows (ConnectorHubDbOutboxStore in the shop; an in-memory one in tests).
 * A row: id_outbox, event_id, type, body, attempts, next_attempt_at, created_at (unix seconds),
 * status (pending|failed), last_status, last_error.
 */
if (!defined('_PS_VERSION_')) {
    exit;
}

interface ConnectorHubOutboxStore
{
    /** @return int the new row's id_outbox */
    public function insert(array $row);

    /** @return array[] pending rows with next_attempt_at <= $now, in the order they were written (the hub sees events in order), at most $limit */
    public function due($now, $limit);

    /** Takes a row for one sender: moves next_attempt_at from $expectedNext to $leaseUntil; false when another request did first. */
    public function claim($id, $expectedNext, $leaseUntil);

    public function delete($id);

    public function reschedule($id, $attempts, $nextAttemptAt, $lastStatus, $lastError);

    public function fail($id, $attempts, $lastStatus, $lastError);

    /** Puts failed rows back in line (after the merchant fixed the settings). @return int rows */
    public function requeueFailed($now);

    /** @return array pending and failed counts */
    public function counts();

    /** @return int unix seconds until which hooks only queue */
    public function pausedUntil();

    public function pause($until);
}
