{{- /*
The pod template of a track's Deployment (deployment.yaml, deployment-canary.yaml). Called with a dict:
  root      the chart context
  track     "stable" or "canary": the pod label "version" that Istio's DestinationRule subsets select
  tag       image tag
  version   VERSION for these pods, overriding the ConfigMap's ("" keeps it)
*/}}
{{- define "httpserver.podTemplate" -}}
{{- $args := . }}
{{- with .root }}
{{- $selector := include "httpserver.trackSelectorLabels" $args | fromYaml -}}
metadata:
  annotations:
    # A configuration change rolls the pods (envFrom is read only at start).
    checksum/config: {{ include (print .Template.BasePath "/configmap.yaml") . | sha256sum }}
    {{- if .Values.metrics.annotations }}
    prometheus.io/scrape: "true"
    prometheus.io/port: {{ .Values.containerPort | quote }}
    prometheus.io/path: /metrics
    # Used by helm/prometheus-additional.yaml as the job label, as the Operator would set it.
    prometheus.io/job: {{ include "httpserver.fullname" . }}
    {{- end }}
    {{- with .Values.podAnnotations }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  labels:
    {{- include "httpserver.labels" . | nindent 4 }}
    version: {{ $args.track }}
    {{- with .Values.podLabels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  serviceAccountName: {{ include "httpserver.serviceAccountName" . }}
  automountServiceAccountToken: false
  {{- with .Values.imagePullSecrets }}
  imagePullSecrets:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.priorityClassName }}
  priorityClassName: {{ . }}
  {{- end }}
  # The app drains itself on SIGTERM (readiness fails, it serves SHUTDOWN_DRAIN_MS more, then
  # finishes in-flight requests), so no preStop sleep is needed; the grace period only has to
  # outlast SHUTDOWN_TIMEOUT_MS, which the chart checks.
  terminationGracePeriodSeconds: {{ .Values.terminationGracePeriodSeconds }}
  securityContext:
    runAsNonRoot: true
    runAsUser: 65532
    runAsGroup: 65532
    fsGroup: 65532
    seccompProfile:
      type: RuntimeDefault
  containers:
    - name: httpserver
      image: {{ printf "%s:%s" .Values.image.repository $args.tag | quote }}
      imagePullPolicy: {{ .Values.image.pullPolicy }}
      envFrom:
        - configMapRef:
            name: {{ include "httpserver.fullname" . }}
      {{- $token := .Values.control.token }}
      {{- if or $args.version (and .Values.control.enabled $token.existingSecret) }}
      env:
        {{- with $args.version }}
        - name: VERSION
          value: {{ . | quote }}
        {{- end }}
        {{- if and .Values.control.enabled $token.existingSecret }}
        # From a Secret, never from values: the ConfigMap is readable by anyone who can read the namespace.
        - name: CONTROL_TOKEN
          valueFrom:
            secretKeyRef:
              name: {{ $token.existingSecret }}
              key: {{ $token.key }}
        {{- end }}
      {{- end }}
      ports:
        - name: http
          containerPort: {{ .Values.containerPort }}
          protocol: TCP
        {{- if and .Values.control.enabled (gt (int .Values.control.port) 0) }}
        - name: control
          containerPort: {{ .Values.control.port }}
          protocol: TCP
        {{- end }}
      startupProbe:
        httpGet:
          path: /livez
          port: http
        periodSeconds: {{ .Values.probes.startup.periodSeconds }}
        failureThreshold: {{ .Values.probes.startup.failureThreshold }}
        timeoutSeconds: {{ .Values.probes.startup.timeoutSeconds }}
      readinessProbe:
        httpGet:
          path: /readyz
          port: http
        periodSeconds: {{ .Values.probes.readiness.periodSeconds }}
        failureThreshold: {{ .Values.probes.readiness.failureThreshold }}
        timeoutSeconds: {{ .Values.probes.readiness.timeoutSeconds }}
      livenessProbe:
        httpGet:
          path: /livez
          port: http
        periodSeconds: {{ .Values.probes.liveness.periodSeconds }}
        failureThreshold: {{ .Values.probes.liveness.failureThreshold }}
        timeoutSeconds: {{ .Values.probes.liveness.timeoutSeconds }}
      resources:
        {{- toYaml .Values.resources | nindent 8 }}
      securityContext:
        runAsNonRoot: true
        runAsUser: 65532
        runAsGroup: 65532
        readOnlyRootFilesystem: true
        allowPrivilegeEscalation: false
        capabilities:
          drop: [ALL]
      volumeMounts:
        - name: tmp
          mountPath: /tmp
  volumes:
    - name: tmp
      emptyDir:
        sizeLimit: 64Mi
  {{- if .Values.topologySpread.enabled }}
  topologySpreadConstraints:
    {{- range $key := list "kubernetes.io/hostname" "topology.kubernetes.io/zone" }}
    - topologyKey: {{ $key }}
      maxSkew: {{ $args.root.Values.topologySpread.maxSkew }}
      whenUnsatisfiable: {{ $args.root.Values.topologySpread.whenUnsatisfiable }}
      labelSelector:
        matchLabels:
          {{- toYaml $selector | nindent 10 }}
      # Spread each rollout's new pods on their own, not counted together with the old ones.
      matchLabelKeys: [pod-template-hash]
    {{- end }}
  {{- end }}
  {{- with .Values.nodeSelector }}
  nodeSelector:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.affinity }}
  affinity:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.tolerations }}
  tolerations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end }}
{{- end }}

{{/* The labels that select one track's pods: the chart's selector labels and version: <track>. */}}
{{- define "httpserver.trackSelectorLabels" -}}
{{- toYaml (merge (dict "version" .track) (include "httpserver.selectorLabels" .root | fromYaml)) }}
{{- end }}
