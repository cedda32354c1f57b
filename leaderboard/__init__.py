"""The leaderboard: metrics, the evaluation runner, submissions, storage, reports, web page."""
