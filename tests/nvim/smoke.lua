-- Headless Neovim smoke test of the language server with the built-in client (0.7+).
-- Environment: ASR_LSP_CMD (JSON list: the server command), ASR_FILE (the file to
-- open), ASR_ROOT (the workspace root). Exit status 0 on success, 1 with a reason.
local function fail(reason)
  io.stderr:write("nvim smoke test: " .. reason .. "\n")
  vim.cmd("cquit 1")
end

local cmd = vim.fn.json_decode(os.getenv("ASR_LSP_CMD"))
vim.cmd("edit " .. vim.fn.fnameescape(os.getenv("ASR_FILE")))
local bufnr = vim.api.nvim_get_current_buf()
local client_id = vim.lsp.start_client({
  name = "flake8-async-review",
  cmd = cmd,
  root_dir = os.getenv("ASR_ROOT"),
  init_options = { debounce = 50 },
})
if not client_id then fail("the server did not start") end
vim.lsp.buf_attach_client(bufnr, client_id)

local function asr(code)
  local found = {}
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    if d.source == "flake8-async-review" and (code == nil or d.code == code) then
      table.insert(found, d)
    end
  end
  return found
end

if not vim.wait(30000, function() return #asr("ASR101") > 0 end, 50) then
  fail("no ASR101 diagnostic within 30 s")
end
local before = #asr("ASR101")
local target = asr("ASR101")[1]
local client = vim.lsp.get_client_by_id(client_id)
local position = { line = target.lnum, character = target.col }
local response = client.request_sync("textDocument/codeAction", {
  textDocument = { uri = vim.uri_from_bufnr(bufnr) },
  range = { start = position, ["end"] = position },
  context = { diagnostics = {} },
}, 10000, bufnr)
if not response or response.err or not response.result then fail("no code actions") end
local applied = false
for _, action in ipairs(response.result) do
  if action.isPreferred and action.edit then
    vim.lsp.util.apply_workspace_edit(action.edit, client.offset_encoding)
    applied = true
    break
  end
end
if not applied then fail("no preferred quick fix") end
if not vim.wait(30000, function() return #asr("ASR101") < before end, 50) then
  fail("the ASR101 diagnostic did not disappear after the fix")
end
local line = vim.api.nvim_buf_get_lines(bufnr, target.lnum, target.lnum + 2, false)
io.stdout:write("fixed: " .. table.concat(line, " | ") .. "\n")
vim.cmd("qall!")
