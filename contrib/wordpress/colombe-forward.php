<?php
/**
 * Plugin Name: Colombe forwarder
 * Description: Sends every new comment, and every later status change, to Colombe's WordPress webhook, signed with the site's webhook secret. Colombe's decisions come back through the REST API with an application password.
 * Version: 1.0
 * License: MIT
 *
 * Install: copy this file to wp-content/mu-plugins/ (or wp-content/plugins/ and activate it),
 * then add to wp-config.php:
 *
 *   define( 'COLOMBE_URL', 'https://colombe.example.org' );
 *   define( 'COLOMBE_SITE_ID', 's_...' );
 *   define( 'COLOMBE_WEBHOOK_SECRET', '...' );
 *
 * What is sent: POST COLOMBE_URL/integrations/wordpress/COLOMBE_SITE_ID with the comment in
 * the shape of the REST API's comment object (`context=edit`: id, post, parent, author_*,
 * date_gmt, content.raw, status) and its post in `_embedded.up[0]` (title, link, content),
 * signed: X-Colombe-Timestamp and X-Colombe-Signature: sha256=HMAC(secret, "<ts>.<body>").
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

/** The comment as the REST API's `context=edit` object (the fields Colombe reads). */
function colombe_comment_document( $comment ) {
	$status = wp_get_comment_status( $comment );
	$rest_status = array( 'approved' => 'approved', 'unapproved' => 'hold', 'spam' => 'spam', 'trash' => 'trash' );
	$doc = array(
		'id'           => (int) $comment->comment_ID,
		'post'         => (int) $comment->comment_post_ID,
		'parent'       => (int) $comment->comment_parent,
		'author_name'  => $comment->comment_author,
		'author_email' => $comment->comment_author_email,
		'author_url'   => $comment->comment_author_url,
		'author_ip'    => $comment->comment_author_IP,
		'date_gmt'     => mysql_to_rfc3339( $comment->comment_date_gmt ),
		'content'      => array( 'raw' => $comment->comment_content ),
		'status'       => isset( $rest_status[ $status ] ) ? $rest_status[ $status ] : $status,
		'type'         => $comment->comment_type ? $comment->comment_type : 'comment',
	);
	$post = get_post( $comment->comment_post_ID );
	if ( $post ) {
		$doc['_embedded'] = array(
			'up' => array(
				array(
					'id'      => (int) $post->ID,
					'title'   => array( 'raw' => $post->post_title ),
					'link'    => get_permalink( $post ),
					'content' => array( 'raw' => $post->post_content ),
				),
			),
		);
	}
	return $doc;
}

/** Send one comment to Colombe (errors are logged; Colombe's idempotent intake takes repeats). */
function colombe_forward( $comment_id ) {
	if ( ! defined( 'COLOMBE_URL' ) || ! defined( 'COLOMBE_SITE_ID' ) || ! defined( 'COLOMBE_WEBHOOK_SECRET' ) ) {
		return;
	}
	$comment = get_comment( $comment_id );
	if ( ! $comment || ! in_array( $comment->comment_type, array( '', 'comment' ), true ) ) {
		return; // pingbacks, trackbacks, notes
	}
	$body = wp_json_encode( colombe_comment_document( $comment ) );
	$timestamp = (string) time();
	$signature = hash_hmac( 'sha256', $timestamp . '.' . $body, COLOMBE_WEBHOOK_SECRET );
	$response = wp_remote_post(
		rtrim( COLOMBE_URL, '/' ) . '/integrations/wordpress/' . rawurlencode( COLOMBE_SITE_ID ),
		array(
			'timeout' => 5,
			'headers' => array(
				'Content-Type'        => 'application/json',
				'X-Colombe-Timestamp' => $timestamp,
				'X-Colombe-Signature' => 'sha256=' . $signature,
			),
			'body'    => $body,
		)
	);
	$code = is_wp_error( $response ) ? 0 : (int) wp_remote_retrieve_response_code( $response );
	if ( 202 !== $code ) {
		error_log( 'colombe: forwarding comment ' . (int) $comment_id . ' failed: ' .
			( is_wp_error( $response ) ? $response->get_error_message() : 'HTTP ' . $code ) );
	}
}

// A new comment, whatever its first status and however it came (comment form, REST API,
// XML-RPC, the admin screen): every path ends in wp_insert_comment().
add_action( 'wp_insert_comment', 'colombe_forward', 10, 1 );
// A status change made in WordPress (or Colombe's own write-back): Colombe keeps the
// comment's current WordPress status, so it never sends a change that changes nothing.
add_action( 'wp_set_comment_status', 'colombe_forward', 10, 1 );
