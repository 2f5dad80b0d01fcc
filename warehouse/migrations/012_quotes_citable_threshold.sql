-- quotes_citable (issue 12): the threshold is now the lowest confidence of an evidence class that
-- was itself right (quote and speaker) at least 97% of the time on PolNeAR train, with classes
-- shrunk toward their kind and resolution path (bench/quotes.py --calibrate). Quotes enriched
-- before this release keep the confidences of the earlier calibration until re-enriched
-- (`newsmill reenrich`).
CREATE OR REPLACE VIEW quotes_citable AS
SELECT *
FROM quotes_with_speakers
WHERE speaker_name IS NOT NULL AND confidence >= 0.97;
