-- A brand preference remembers the gender and age band it was counted under
-- in brand_preference_counts, so removing it (or changing the member's gender
-- or birth year) takes back exactly what was added.
ALTER TABLE brand_preferences ADD COLUMN gender TEXT NOT NULL DEFAULT '';
ALTER TABLE brand_preferences ADD COLUMN age_band TEXT NOT NULL DEFAULT '';
