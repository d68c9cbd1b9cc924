-- Headless Neovim smoke test of the language server with the built-in client (0.7+).
-- Environment: ASR_SNIPPET (a Lua file holding a setup documented in docs/editors.md,
-- run as a user's init.lua would run it), ASR_FILE and ASR_OTHER (two Python files of
-- the project). Exit status 0 on success, 1 with a reason.
local function fail(reason)
  io.stderr:write("nvim smoke test: " .. reason .. "\n")
  vim.cmd("cquit 1")
end

local ok, error = pcall(dofile, os.getenv("ASR_SNIPPET"))
if not ok then fail("the documented setup failed: " .. tostring(error)) end

-- The documented setups name the client with a dash (vim.lsp.start) or an underscore
-- (vim.lsp.config).
local function servers(bufnr)
  local list = vim.lsp.get_clients or vim.lsp.get_active_clients
  local found = {}
  for _, client in ipairs(list()) do
    if (client.name == "flake8-async-review" or client.name == "flake8_async_review")
        and (bufnr == nil or vim.lsp.buf_is_attached(bufnr, client.id)) then
      table.insert(found, client)
    end
  end
  return found
end

vim.cmd("edit " .. vim.fn.fnameescape(os.getenv("ASR_FILE")))
local bufnr = vim.api.nvim_get_current_buf()
if not vim.wait(30000, function() return #servers(bufnr) > 0 end, 50) then
  fail("opening a Python file did not start the server")
end
local client = servers(bufnr)[1]

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
local position = { line = target.lnum, character = target.col }
local params = {
  textDocument = { uri = vim.uri_from_bufnr(bufnr) },
  range = { start = position, ["end"] = position },
  context = { diagnostics = {} },
}
local response
if vim.fn.has("nvim-0.11") == 1 then  -- Client methods take self from 0.11 on.
  response = client:request_sync("textDocument/codeAction", params, 10000, bufnr)
else
  response = client.request_sync("textDocument/codeAction", params, 10000, bufnr)
end
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

-- A second Python file of the project is served by the same server.
vim.cmd("edit " .. vim.fn.fnameescape(os.getenv("ASR_OTHER")))
local other = vim.api.nvim_get_current_buf()
if not vim.wait(30000, function() return #servers(other) > 0 end, 50) then
  fail("the second Python file got no server")
end
if #servers() ~= 1 then fail(#servers() .. " servers for one project") end
io.stdout:write("servers: 1\n")
vim.cmd("qall!")
