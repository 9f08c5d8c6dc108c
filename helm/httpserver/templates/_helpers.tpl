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
