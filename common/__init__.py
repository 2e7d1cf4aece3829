"""Small pieces every process shares: settings from the environment and the clock."""
