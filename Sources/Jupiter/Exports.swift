// The record model, diagnostics, JSON and the model-client types are part of this module's API
// (plans, run summaries and errors carry them), so a user of `Jupiter` needs no other import.
@_exported import JupiterCore
