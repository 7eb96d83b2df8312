"""Writes the Parquet fixtures of DatasetsTest with pyarrow, the library verl's preprocessing scripts write with
(datasets/pandas .to_parquet), in verl's layout. Run: python3 make_parquet_fixtures.py (pyarrow 25.0.1 made them)."""
import pyarrow as pa
import pyarrow.parquet as pq

# verl examples/data_preprocess/gsm8k.py layout: prompt is a list of chat messages, reward_model.ground_truth a string.
gsm8k = pa.table({
    "data_source": ["openai/gsm8k", "openai/gsm8k", None],
    "prompt": [
        [{"role": "user", "content": "Natalia sold clips to 48 of her friends. How many? Let's think step by step."}],
        [{"role": "system", "content": "You are a helpful assistant."},
         {"role": "user", "content": "Weng earns $12 an hour — how much for 50 minutes? ünïcödé"}],
        [{"role": "user", "content": "What is 2 + 2?"}],
    ],
    "ability": ["math", "math", "math"],
    "reward_model": [{"style": "rule", "ground_truth": "72"}, {"style": "rule", "ground_truth": "10"},
                     {"style": "rule", "ground_truth": None}],
    "extra_info": [{"split": "train", "index": 0}, {"split": "train", "index": 1}, {"split": "test", "index": 2}],
})
pq.write_table(gsm8k, "gsm8k_verl.parquet", compression="snappy")

# verl/TinyZero Countdown layout: the ground truth is a struct of target and numbers.
countdown = pa.table({
    "data_source": ["countdown", "countdown"],
    "prompt": [[{"role": "user", "content": "Using the numbers [3, 8, 2], make 22."}],
               [{"role": "user", "content": "Using the numbers [1, 3, 4, 6], make 24."}]],
    "reward_model": [{"style": "rule", "ground_truth": {"target": 22, "numbers": [3, 8, 2]}},
                     {"style": "rule", "ground_truth": {"target": 24, "numbers": [1, 3, 4, 6]}}],
})
pq.write_table(countdown, "countdown_verl.parquet", compression="gzip")

# A flat table like our JSONL: a plain-text prompt and an integer answer.
flat = pa.table({"prompt": ["What is 47 + 385?", "What is 9 * 5?"], "answer": [432, 45],
                 "data_source": ["arithmetic", "arithmetic"]})
pq.write_table(flat, "flat.parquet", compression="none")
pq.write_table(flat, "flat_zstd.parquet", compression="zstd")

# A bad record: a prompt that is a number.
pq.write_table(pa.table({"prompt": [7], "answer": ["1"]}), "bad_prompt.parquet", compression="none")
