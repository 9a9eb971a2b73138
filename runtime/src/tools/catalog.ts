/** Every tool the runtime serves, in the order tools/list shows them. */
import { registerTool } from './register.js';
import { restartTool, startTool, stopTool } from './lifecycle.js';
import { checkPortTool, listTool, statusTool } from './inspect.js';
import { clearLogsTool, logStatsTool, logsTool } from './logs.js';
import { searchLogsTool } from './search.js';
import { exportLogsTool } from './export.js';
import { auditTool, usageTool } from './tenant.js';
import { tenantCreateTool, tenantDeleteTool, tenantListTool, tenantResumeTool, tenantSuspendTool, tenantUpdateTool } from './platform.js';
import { clusterScalingTool } from './scaling.js';
import type { ToolDefinition } from './tool.js';

export const TOOLS: readonly ToolDefinition[] = [
  registerTool,
  startTool,
  stopTool,
  restartTool,
  listTool,
  statusTool,
  checkPortTool,
  logsTool,
  searchLogsTool,
  clearLogsTool,
  exportLogsTool,
  logStatsTool,
  usageTool,
  auditTool,
  tenantListTool,
  tenantCreateTool,
  tenantUpdateTool,
  tenantSuspendTool,
  tenantResumeTool,
  tenantDeleteTool,
  clusterScalingTool,
] as unknown as readonly ToolDefinition[];
