<?php
/**
 * HTTP POST with curl (PrestaShop requires the curl extension), bounded in time.
 */
if (!defined('_PS_VERSION_')) {
    exit;
}

class ConnectorHubCurlTransport
{
    /**
     * @param string $url
     * @param string[] $headers "Name: value" lines
     * @param string $body
     * @param int $timeout seconds for the whole exchange
     *
     * @return array status (0 when no HTTP answer), body (first 2000 bytes), error
     */
    public function post($url, array $headers, $body, $timeout)
    {
        $curl = curl_init($url);
        curl_setopt_array($curl, array(
            CURLOPT_POST => true,
            CURLOPT_POSTFIELDS => $body,
            CURLOPT_HTTPHEADER => $headers,
            CURLOPT_RETURNTRANSFER => true,
            CURLOPT_CONNECTTIMEOUT => min(2, (int) $timeout),
            CURLOPT_TIMEOUT => (int) $timeout,
            CURLOPT_FOLLOWLOCATION => false,
            CURLOPT_PROTOCOLS => CURLPROTO_HTTP | CURLPROTO_HTTPS,
        ));
        $answer = curl_exec($curl);
        $status = (int) curl_getinfo($curl, CURLINFO_RESPONSE_CODE);
        $error = $answer === false ? curl_error($curl) : '';
        curl_close($curl);

        return array(
            'status' => $answer === false ? 0 : $status,
            'body' => is_string($answer) ? substr($answer, 0, 2000) : '',
            'error' => $error,
        );
    }
}
