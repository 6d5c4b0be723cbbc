/** Links into the Temporal Web UI for a workflow, as shown in API responses. */
export function temporalUiUrl(uiBase: string, namespace: string, workflowId: string): string {
  return `${uiBase}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}
