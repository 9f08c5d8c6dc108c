{{/*
Every check across values that the schema cannot express, in one place: a chart that would
misbehave refuses to render, with one line naming the values. configmap.yaml, which is always
rendered, includes it once.
- Shutdown timings nest: drain + the random delay + MAX_DELAY_MS < SHUTDOWN_TIMEOUT_MS < the grace
  period, else Kubernetes would SIGKILL a pod that is still answering requests (the service checks
  the first too).
- control.* only with control.enabled; its port differs from the service's and is what a
  NetworkPolicy restricts.
- An HPA needs a target.
- Istio's route timeouts exceed the longest delay, else every slow request would be cut; the
  HTTPRoute's exceeds the longest request (/delay and a fault delay included).
- The HTTPRoute attaches to a Gateway: the platform's (parentRefs) or the chart's, not both.
*/}}
{{- define "httpserver.validate" -}}
{{- $c := .Values.config }}
{{- if gt (int $c.delayMinMs) (int $c.delayMaxMs) }}
{{- fail (printf "config.delayMinMs (%d) must not exceed config.delayMaxMs (%d)" (int $c.delayMinMs) (int $c.delayMaxMs)) }}
{{- end }}
{{- $budget := add (int $c.shutdownDrainMs) (int $c.delayMaxMs) (int $c.maxDelayMs) }}
{{- if le (int $c.shutdownTimeoutMs) $budget }}
{{- fail (printf "config.shutdownTimeoutMs (%d) must exceed config.shutdownDrainMs + config.delayMaxMs + config.maxDelayMs (%d)" (int $c.shutdownTimeoutMs) $budget) }}
{{- end }}
{{- if gt (int .Values.faults.delayMs) (int $c.maxDelayMs) }}
{{- fail (printf "faults.delayMs (%d) must not exceed config.maxDelayMs (%d)" (int .Values.faults.delayMs) (int $c.maxDelayMs)) }}
{{- end }}
{{- $ctl := .Values.control }}
{{- if and (not $ctl.enabled) (or $ctl.token.existingSecret (gt (int $ctl.port) 0) $ctl.networkPolicyFrom $ctl.istioPrincipals $ctl.istioNamespaces) }}
{{- fail "control.* is set but control.enabled is false: the control endpoints would not exist" }}
{{- end }}
{{- if and (gt (int $ctl.port) 0) (eq (int $ctl.port) (int .Values.containerPort)) }}
{{- fail (printf "control.port (%d) must differ from containerPort" (int $ctl.port)) }}
{{- end }}
{{- if and $ctl.networkPolicyFrom (eq (int $ctl.port) 0) }}
{{- fail "control.networkPolicyFrom needs control.port: a NetworkPolicy cannot tell paths apart, only ports" }}
{{- end }}
{{- if le (mul (int .Values.terminationGracePeriodSeconds) 1000) (int $c.shutdownTimeoutMs) }}
{{- fail (printf "terminationGracePeriodSeconds (%d s) must exceed config.shutdownTimeoutMs (%d ms)" (int .Values.terminationGracePeriodSeconds) (int $c.shutdownTimeoutMs)) }}
{{- end }}
{{- $a := .Values.autoscaling }}
{{- if and $a.enabled (not (or $a.targetCPUUtilizationPercentage $a.targetMemoryUtilizationPercentage)) }}
{{- fail "autoscaling needs targetCPUUtilizationPercentage or targetMemoryUtilizationPercentage" }}
{{- end }}
{{- $r := .Values.httpRoute }}
{{- if and .Values.gateway.enabled (not $r.enabled) }}
{{- fail "gateway.enabled needs httpRoute.enabled: the Gateway would route nothing" }}
{{- end }}
{{- if $r.enabled }}
{{- $longest := include "httpserver.longestRequestMs" . | int }}
{{- if le (include "httpserver.durationMs" $r.timeout | int) $longest }}
{{- fail (printf "httpRoute.timeout (%s) must exceed the longest request, max(config.delayMaxMs, config.maxDelayMs) + faults.delayMs (%d ms)" $r.timeout $longest) }}
{{- end }}
{{- if and (not $r.parentRefs) (not .Values.gateway.enabled) }}
{{- fail "httpRoute.parentRefs is empty and gateway.enabled is false: name the Gateway the route attaches to" }}
{{- end }}
{{- if and $r.parentRefs .Values.gateway.enabled }}
{{- fail "httpRoute.parentRefs names Gateways and gateway.enabled creates one: leave parentRefs empty to attach to the chart's Gateway" }}
{{- end }}
{{- end }}
{{- if .Values.istio.enabled }}
{{- $vs := .Values.istio.virtualService }}
{{- if le (include "httpserver.durationMs" $vs.timeout | int) (int $c.delayMaxMs) }}
{{- fail (printf "istio.virtualService.timeout (%s) must exceed config.delayMaxMs (%d ms)" $vs.timeout (int $c.delayMaxMs)) }}
{{- end }}
{{- if le (include "httpserver.durationMs" $vs.retries.perTryTimeout | int) (int $c.delayMaxMs) }}
{{- fail (printf "istio.virtualService.retries.perTryTimeout (%s) must exceed config.delayMaxMs (%d ms)" $vs.retries.perTryTimeout (int $c.delayMaxMs)) }}
{{- end }}
{{- end }}
{{- end }}
