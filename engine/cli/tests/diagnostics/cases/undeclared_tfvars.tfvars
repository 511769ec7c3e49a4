region = "us-east-1"
regoin = "typo"
