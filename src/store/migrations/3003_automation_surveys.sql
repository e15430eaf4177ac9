-- Satisfaction questions a scenario asked (an SMS step with `survey`): one row per question, keyed by
-- the id in its signed link (src/automation/surveys). The answer is stored on the row, once: a second
-- answer (a replayed form, a second reply) finds it answered and publishes nothing.
CREATE TABLE survey_invitations (
  id text PRIMARY KEY,
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  contact_id text NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
  -- The send's idempotency key (the run's step): the message the question went in, signed into the link.
  message_key text NOT NULL,
  message_id text,
  via text NOT NULL CHECK (via IN ('page', 'sms')),
  ref text,
  scenario_id text,
  locale text,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  answered_at timestamptz,
  score smallint CHECK (score BETWEEN 1 AND 5),
  comment text,
  answered_via text
);

CREATE UNIQUE INDEX survey_invitations_message_key ON survey_invitations (tenant_id, message_key);
-- An SMS reply finds the contact's open question.
CREATE INDEX survey_invitations_open ON survey_invitations (tenant_id, contact_id, created_at DESC) WHERE answered_at IS NULL;
