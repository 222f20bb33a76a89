// The diagnosis layer's public face: findings, ranked diagnoses and error-text explanation.
export { deriveFindings } from './findings.js';
export { diagnose, findingsAndDiagnoses, type DiagnoseOptions } from './diagnose.js';
export { explain, EmptySymptomError, type ExplainCandidate, type ExplainResult } from './explain.js';
export type { Verdict } from './evaluate.js';
export { KNOWLEDGE_BASE } from './kb/index.js';
export { FIX_PLATFORMS, RISKY, type FixPlatform, type KbEntry } from './kb/types.js';
