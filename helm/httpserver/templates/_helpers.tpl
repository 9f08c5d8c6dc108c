{{/* Chart name, possibly overridden. */}}
{{- define "httpserver.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Full name: release-chart, unless the release name already contains the chart name. */}}
{{- define "httpserver.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* chart-version, for the helm.sh/chart label. */}}
{{- define "httpserver.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels that select the pods; they never change for a release. */}}
{{- define "httpserver.selectorLabels" -}}
app.kubernetes.io/name: {{ include "httpserver.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* Recommended labels on every resource. */}}
{{- define "httpserver.labels" -}}
helm.sh/chart: {{ include "httpserver.chart" . }}
{{ include "httpserver.selectorLabels" . }}
app.kubernetes.io/version: {{ include "httpserver.imageTag" . | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: httpserver
{{- end }}

{{- define "httpserver.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "httpserver.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "httpserver.imageTag" -}}
{{- default .Chart.AppVersion .Values.image.tag }}
{{- end }}

{{- define "httpserver.image" -}}
{{- printf "%s:%s" .Values.image.repository (include "httpserver.imageTag" .) }}
{{- end }}

{{/* How many pods run at least: the HPA's minimum when it is on. */}}
{{- define "httpserver.minReplicas" -}}
{{- if .Values.autoscaling.enabled }}{{ .Values.autoscaling.minReplicas }}{{ else }}{{ .Values.replicaCount }}{{ end }}
{{- end }}

{{- define "httpserver.tlsSecretName" -}}
{{- default (printf "%s-tls" (include "httpserver.fullname" .)) .Values.ingress.tls.secretName }}
{{- end }}

{{/* The Gateway the VirtualService binds to: the chart's own, or the one istio.gateway.name names. */}}
{{- define "httpserver.istioGatewayRef" -}}
{{- default (include "httpserver.fullname" .) .Values.istio.gateway.name }}
{{- end }}

{{- define "httpserver.istioCredentialName" -}}
{{- default (printf "%s-gateway-tls" (include "httpserver.fullname" .)) .Values.istio.gateway.credentialName }}
{{- end }}

{{/* The Service's in-cluster host name, as Istio destinations name it. */}}
{{- define "httpserver.serviceHost" -}}
{{- printf "%s.%s.svc.cluster.local" (include "httpserver.fullname" .) .Release.Namespace }}
{{- end }}

{{/* Go duration strings (10s, 1m30s, 500ms) in milliseconds, for the timing checks. */}}
{{- define "httpserver.durationMs" -}}
{{- $total := 0.0 }}
{{- range regexFindAll "[0-9.]+(ms|s|m|h)" . -1 }}
{{- $n := regexFind "[0-9.]+" . | float64 }}
{{- $unit := regexFind "(ms|s|m|h)$" . }}
{{- $factor := get (dict "ms" 1.0 "s" 1000.0 "m" 60000.0 "h" 3600000.0) $unit }}
{{- $total = addf $total (mulf $n $factor) }}
{{- end }}
{{- $total | int }}
{{- end }}

{{/*
The longest a request may take in the service, in ms: the random delay or a /delay, whichever bound
is higher, plus a fault delay. Route timeouts at the gateway must exceed it.
*/}}
{{- define "httpserver.longestRequestMs" -}}
{{- add (max (int .Values.config.delayMaxMs) (int .Values.config.maxDelayMs)) (int .Values.faults.delayMs) }}
{{- end }}

{{/* Name of one track's own Service (httpRoute with a canary weighs one Service per track). */}}
{{- define "httpserver.trackServiceName" -}}
{{- printf "%s-%s" (include "httpserver.fullname" .root) .track | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "httpserver.gatewayTlsSecretName" -}}
{{- default (printf "%s-gateway-tls" (include "httpserver.fullname" .)) .Values.gateway.tlsSecretName }}
{{- end }}

{{/*
The parentRefs of the chart's HTTPRoutes: httpRoute.parentRefs, or the chart's own Gateway's
listeners of one protocol ("https" for the service, "http" for the redirect), one per host name.
*/}}
{{- define "httpserver.httpRouteParents" -}}
{{- $root := .root }}
{{- if $root.Values.httpRoute.parentRefs }}
{{- toYaml $root.Values.httpRoute.parentRefs }}
{{- else }}
{{- range $i, $_ := $root.Values.httpRoute.hostnames }}
- group: gateway.networking.k8s.io
  kind: Gateway
  name: {{ include "httpserver.fullname" $root }}
  sectionName: {{ printf "%s-%d" $.listener $i }}
{{- end }}
{{- end }}
{{- end }}

{{/* The filters of an HTTPRoute rule that serves the service under the path prefix given. */}}
{{- define "httpserver.httpRouteRewrite" -}}
{{- if ne . "/" -}}
filters:
  # /prefix and /prefix/anything reach the service as / and /anything.
  - type: URLRewrite
    urlRewrite:
      path:
        type: ReplacePrefixMatch
        replacePrefixMatch: /
{{- end }}
{{- end }}

{{/*
The peers that stand for the gateway in the NetworkPolicy, as a YAML list: httpRoute.networkPolicyFrom;
else the chart's own Gateway's pods, by the label Gateway API implementations put on the pods they
run for a Gateway (GEP-1762); else the namespaces of the Gateways parentRefs names.
*/}}
{{- define "httpserver.gatewayPeers" -}}
{{- $r := .Values.httpRoute }}
{{- if not $r.enabled }}
[]
{{- else if $r.networkPolicyFrom }}
{{- toYaml $r.networkPolicyFrom }}
{{- else if not $r.parentRefs }}
- podSelector:
    matchLabels:
      gateway.networking.k8s.io/gateway-name: {{ include "httpserver.fullname" . }}
{{- else }}
{{- $namespaces := list }}
{{- range $r.parentRefs }}
{{- $namespaces = append $namespaces (default $.Release.Namespace .namespace) }}
{{- end }}
{{- range $namespaces | uniq }}
- namespaceSelector:
    matchLabels:
      kubernetes.io/metadata.name: {{ . }}
{{- end }}
{{- end }}
{{- end }}
