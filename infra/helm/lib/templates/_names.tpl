{{/* Release-scoped name: the release IS the component (ocr, pdf-render, registry, beat), <= 40 chars. */}}
{{- define "wc.fullname" -}}
{{- default .Release.Name .Values.fullnameOverride | trunc 40 | trimSuffix "-" -}}
{{- end -}}

{{- define "wc.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Common labels; app.kubernetes.io/name is the chart (worker | registry | beat). */}}
{{- define "wc.labels" -}}
helm.sh/chart: {{ include "wc.chart" . }}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: workers-core
{{- end -}}

{{/* Selector labels of one component: (dict "root" $ "component" "ocr"). */}}
{{- define "wc.selectorLabels" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "wc.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "wc.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* Image reference: (dict "root" $ "image" .Values.worker.image). Refuses latest/empty tags. */}}
{{- define "wc.image" -}}
{{- $img := .root.Values.image -}}
{{- $tag := default $img.tag .image.tag | toString -}}
{{- if or (eq $tag "") (eq $tag "latest") -}}
{{- fail (printf "image %s: tag must be set and must not be \"latest\"" .image.name) -}}
{{- end -}}
{{- $digest := default $img.digest .image.digest -}}
{{- $repo := printf "%s-%s" $img.repositoryPrefix .image.name -}}
{{- if $digest -}}
{{- printf "%s:%s@%s" $repo $tag $digest -}}
{{- else -}}
{{- printf "%s:%s" $repo $tag -}}
{{- end -}}
{{- end -}}
