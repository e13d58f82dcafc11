{{/* Common labels. */}}
{{- define "carelog.labels" -}}
app.kubernetes.io/part-of: carelog
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* The Strimzi cluster label every KafkaTopic and KafkaUser needs. */}}
{{- define "carelog.kafkaLabels" -}}
{{ include "carelog.labels" . }}
strimzi.io/cluster: {{ .Values.kafka.clusterName }}
{{- end -}}

{{/* The image, one for every service and tool. */}}
{{- define "carelog.image" -}}
{{ printf "%s:%s" .Values.image.repository .Values.image.tag }}
{{- end -}}

{{/* Kafka bootstrap servers: the Strimzi cluster's TLS listener, or the external ones. */}}
{{- define "carelog.bootstrap" -}}
{{- if .Values.kafka.strimzi -}}
{{ printf "%s-kafka-bootstrap:9093" .Values.kafka.clusterName }}
{{- else -}}
{{ required "kafka.external.bootstrapServers is required when kafka.strimzi is false" .Values.kafka.external.bootstrapServers }}
{{- end -}}
{{- end -}}

{{/* Kafka client settings of one principal (TLS + SCRAM-SHA-512): env. */}}
{{- define "carelog.kafkaEnv" -}}
- name: KAFKA_BROKERS
  value: {{ include "carelog.bootstrap" .root | quote }}
- name: CARELOG_KAFKA_SECURITY_PROTOCOL
  value: sasl_ssl
- name: CARELOG_KAFKA_SASL_MECHANISM
  value: scram-sha-512
- name: CARELOG_KAFKA_USERNAME
  value: {{ printf "carelog-%s" .principal | quote }}
- name: CARELOG_KAFKA_PASSWORD_FILE
  value: /etc/carelog/kafka-user/password
- name: CARELOG_KAFKA_CA_FILE
  value: /etc/carelog/kafka-ca/ca.crt
{{- end -}}

{{/* Volumes holding that principal's password (Strimzi writes a Secret per KafkaUser) and the CA. */}}
{{- define "carelog.kafkaVolumes" -}}
- name: kafka-user
  secret:
    secretName: {{ printf "carelog-%s" .principal }}
    items: [{ key: password, path: password }]
- name: kafka-ca
  secret:
    secretName: {{ if .root.Values.kafka.strimzi }}{{ printf "%s-cluster-ca-cert" .root.Values.kafka.clusterName }}{{ else }}{{ required "kafka.external.caSecret is required when kafka.strimzi is false" .root.Values.kafka.external.caSecret }}{{ end }}
    items: [{ key: ca.crt, path: ca.crt }]
{{- end -}}

{{- define "carelog.kafkaMounts" -}}
- name: kafka-user
  mountPath: /etc/carelog/kafka-user
  readOnly: true
- name: kafka-ca
  mountPath: /etc/carelog/kafka-ca
  readOnly: true
{{- end -}}

{{/* The Postgres role of a service: carelog_<name with _>. */}}
{{- define "carelog.dbRole" -}}
{{ printf "carelog_%s" (. | replace "-" "_") }}
{{- end -}}
