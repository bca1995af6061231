"""Strategy: features, scores, segments, treatment choice under capacity, scheduling and assignment."""
