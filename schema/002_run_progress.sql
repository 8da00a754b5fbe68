-- Version 2: the latest progress line of a run, kept on the run itself so
-- that listing queued and running runs needs no join over run_events.
ALTER TABLE runs ADD COLUMN progress TEXT;

-- One statement (one commit) records an event and the run's progress.
CREATE TRIGGER run_events_progress AFTER INSERT ON run_events
BEGIN
	UPDATE runs SET progress = NEW.message WHERE id = NEW.run_id;
END;
