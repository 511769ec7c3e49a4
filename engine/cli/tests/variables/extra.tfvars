last_flag_wins = "var-file"
typed_list     = ["1", 2]
