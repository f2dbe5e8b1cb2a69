"""ideabot: a Slack bot that makes a small business's innovation pipeline problem-first."""
