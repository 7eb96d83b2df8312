// Renders the conversations in src/test/resources/dev/reason4j/tokenizer/chat-conversations.jsonl with the chat
// templates of the Qwen3 and Llama 3 fixtures using @huggingface/jinja (transformers.js's Jinja engine, which mirrors
// jinja2 with trim_blocks/lstrip_blocks as HF apply_chat_template), and writes the references next to them.
// A second implementation as reference for conversations beyond chat_templates.json; ChatTemplateOwnCasesTest reads it.
//
//   npm install --prefix /tmp/hfjinja @huggingface/jinja@0.5.11
//   NODE_PATH=/tmp/hfjinja/node_modules node scripts/chat-template-reference.cjs [FIXTURES_DIR]
const fs = require("fs");
const path = require("path");
const { Template } = require("@huggingface/jinja");

const root = path.resolve(__dirname, "..");
const fixtures = process.argv[2] || process.env.REASON4J_FIXTURES || path.join(root, "..", "shared", "fixtures");
const resources = path.join(root, "src/test/resources/dev/reason4j/tokenizer");
const conversations = fs.readFileSync(path.join(resources, "chat-conversations.jsonl"), "utf8")
  .split("\n").filter((line) => line.trim()).map((line) => JSON.parse(line));

const cases = [];
for (const name of ["qwen3", "llama3"]) {
  const config = JSON.parse(fs.readFileSync(path.join(fixtures, "tokenizers", name, "tokenizer_config.json"), "utf8"));
  const template = new Template(config.chat_template);
  const specialTokens = {};
  for (const key of ["bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token"]) {
    const value = config[key];
    if (typeof value === "string") specialTokens[key] = value;
    else if (value && typeof value.content === "string") specialTokens[key] = value.content;
  }
  conversations.forEach((conversation, index) => {
    const variables = { ...specialTokens, messages: conversation.messages, add_generation_prompt: conversation.add_generation_prompt };
    if (conversation.tools) variables.tools = conversation.tools;
    if ("enable_thinking" in conversation) variables.enable_thinking = conversation.enable_thinking;
    cases.push({ template: name, conversation: index, rendered: template.render(variables) });
  });
}
const out = { reference: "@huggingface/jinja 0.5.11 (scripts/chat-template-reference.cjs)", cases };
fs.writeFileSync(path.join(resources, "chat-conversations-rendered.json"), JSON.stringify(out, null, 1) + "\n");
console.log(`wrote ${cases.length} renders`);
